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

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * Libraries that rcmd loads only when it needs them: libssl for TLS (tls.c)
 * and libedit for the prompt (prompt.c). Loading and relocating them at
 * every start would cost more than the rest of a run of rcmd on loopback.
 * Each user lists the functions it calls and calls them through pointers
 * of their own types (DLOAD_POINTER), which dload_open fills.
 */

/*
 * Load the library soname and find each of its n symbols. Return its
 * handle, which is never closed, or NULL with a cause that says what the
 * dynamic linker said.
 */
void *
dload_open(const char *soname, const struct dload_symbol *syms, size_t n,
    char **cause)
{
	void	*h, *fn;
	size_t	 i;

	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		*cause = xstrdup(dlerror());
		return (NULL);
	}
	/*
	 * dlsym on the handle searches the library's dependencies too
	 * (libcrypto for libssl). POSIX lets a function pointer hold what
	 * dlsym returns; memcpy puts it there without reading one type
	 * through another.
	 */
	for (i = 0; i < n; i++) {
		if ((fn = dlsym(h, syms[i].name)) == NULL) {
			xasprintf(cause, "%s (not the library rcmd was built "
			    "for)", dlerror());
			dlclose(h);
			return (NULL);
		}
		memcpy(syms[i].ptr, &fn, sizeof fn);
	}
	return (h);
}
