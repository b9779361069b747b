# RCMD_CHECK_SONAME(VARIABLE, LIBRARY, INCLUDES, BODY, CFLAGS, LIBS, PACKAGE)
#
# rcmd loads some libraries with dlopen, only when it needs them, by the
# file name the linker would have recorded: link a program that calls the
# LIBRARY (libssl) with CFLAGS and LIBS, and read its DT_NEEDED entry for
# LIBRARY. The user's VARIABLE (LIBSSL_SONAME) overrides what is found.
# Define VARIABLE in config.h, and substitute RCMD_VARIABLE for the tests.
# Stop, naming the Debian PACKAGE to install, if it cannot be told.
AC_DEFUN([RCMD_CHECK_SONAME], [
AC_ARG_VAR([$1], [file name rcmd loads $2 by (default: found by linking)])
AC_CHECK_TOOL([READELF], [readelf], [])
AC_CACHE_CHECK([the file name to load $2 by], [rcmd_cv_soname_$2], [
	rcmd_cv_soname_$2="$$1"
	if test -z "$rcmd_cv_soname_$2" && test -n "$READELF"; then
		rcmd_saved_CPPFLAGS="$CPPFLAGS"
		rcmd_saved_LIBS="$LIBS"
		CPPFLAGS="$CPPFLAGS $5"
		LIBS="$6 $LIBS"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([$3], [$4])],
		    [rcmd_cv_soname_$2=`$READELF -d conftest$EXEEXT |
		    $SED -n '/(NEEDED)/s/.*: .\($2\..*\).$/\1/p'`])
		CPPFLAGS="$rcmd_saved_CPPFLAGS"
		LIBS="$rcmd_saved_LIBS"
	fi
	test -n "$rcmd_cv_soname_$2" || rcmd_cv_soname_$2=no])
if test "x$rcmd_cv_soname_$2" = xno; then
	AC_MSG_ERROR([cannot tell the file name of $2 (needs readelf, from the Debian package binutils, and $7): give it, as in ./configure $1=$2.so.N])
fi
AC_DEFINE_UNQUOTED([$1], ["$rcmd_cv_soname_$2"],
    [The file name rcmd loads $2 by.])
AC_SUBST([RCMD_$1], [$rcmd_cv_soname_$2])
])
