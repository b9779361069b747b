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

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rcmdd.h"
#include "utf8.h"
#include "xmalloc.h"

static void	text_digits(char *, u_int, int);

/*
 * Text as the audit log keeps it: command output made safe to read in the
 * sqlite3 shell, and times in the one form every column and log line
 * uses. Pure functions, for any thread.
 */

/*
 * Make command output safe to read as text in the sqlite3 shell: valid
 * UTF-8 stays, and so do tab, newline and carriage return; NUL, other
 * control characters (escape sequences would drive the auditor's
 * terminal) and bytes that are not UTF-8 become U+FFFD. Return an
 * allocated string and its length.
 */
char *
text_safe(const char *buf, size_t len, size_t *outlen)
{
	const uint8_t	*p = (const uint8_t *)buf;
	uint32_t	 c;
	size_t		 i, n, o = 0;
	char		*out;

	/* Each byte becomes at most the three bytes of U+FFFD. */
	out = xreallocarray(NULL, len + 1, 3);
	for (i = 0; i < len; i += n) {
		n = utf8_decode(p + i, len - i, &c);
		if (n == 0 || (utf8_is_control(c) && c != '\t' && c != '\n' &&
		    c != '\r')) {
			if (n == 0)
				n = 1;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
	}
	out[o] = '\0';
	*outlen = o;
	return (out);
}

/*
 * Format a time as UTC, YYYY-MM-DDTHH:MM:SS.mmmZ, in len bytes (with its
 * NUL: TEXT_TIME_LEN + 1). Digit by digit: every command's row takes two
 * and strftime's and printf's generality cost more than the rest of it.
 */
void
text_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	char		out[TEXT_TIME_LEN + 1];
	int		year;
	u_int		ms;

	ms = (u_int)(ts->tv_nsec / 1000000) % 1000;
	if (gmtime_r(&ts->tv_sec, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	year = tm.tm_year + 1900;
	if (year < 0 || year > 9999) {
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", year,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, ms);
		return;
	}
	text_digits(out, (u_int)year, 4);
	out[4] = '-';
	text_digits(out + 5, (u_int)tm.tm_mon + 1, 2);
	out[7] = '-';
	text_digits(out + 8, (u_int)tm.tm_mday, 2);
	out[10] = 'T';
	text_digits(out + 11, (u_int)tm.tm_hour, 2);
	out[13] = ':';
	text_digits(out + 14, (u_int)tm.tm_min, 2);
	out[16] = ':';
	text_digits(out + 17, (u_int)tm.tm_sec, 2);
	out[19] = '.';
	text_digits(out + 20, ms, 3);
	out[23] = 'Z';
	out[24] = '\0';
	if (len != 0)
		strlcpy(buf, out, len);
}

/* Write n as width decimal digits, zero-padded, without a NUL. */
static void
text_digits(char *p, u_int n, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + n % 10);
		n /= 10;
	}
}
