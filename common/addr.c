/*
 * Copyright (c) 2026 The rcmdd authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "addr.h"

/*
 * Socket addresses as both programs see them: rcmdd listens, and rcmd
 * connects, in plain TCP only on loopback.
 */

/*
 * Return whether an address is on loopback: 127.0.0.0/8, ::1, or an
 * IPv4-mapped address in 127.0.0.0/8.
 */
int
addr_is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return (1);
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return (sin6->sin6_addr.s6_addr[12] == 127);
		return (0);
	}
	return (0);
}

/*
 * Fill a Unix socket address with path. Return 0, or -1 if the path is
 * longer than addr_unix_max() bytes.
 */
int
addr_unix(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof sun->sun_path) >=
	    sizeof sun->sun_path)
		return (-1);
	return (0);
}

/* Return the longest path a Unix socket address holds. */
size_t
addr_unix_max(void)
{
	struct sockaddr_un	sun;

	return (sizeof sun.sun_path - 1);
}
