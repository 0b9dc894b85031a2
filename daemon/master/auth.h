/*
 * auth.h - deciding a login, in the master (auth.c).
 */
#ifndef SANDFTPD_AUTH_H
#define SANDFTPD_AUTH_H

#include "../../common/config.h"

enum auth_result { AUTH_REFUSED, AUTH_ANONYMOUS };

enum auth_result auth_check(const struct config *cf, const char *user,
    const char *pass);

#endif
