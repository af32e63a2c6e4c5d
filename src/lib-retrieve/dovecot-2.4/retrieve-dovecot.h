#ifndef RETRIEVE_DOVECOT_H
#define RETRIEVE_DOVECOT_H

/* Dovecot 2.4 forms of the calls the shared code names as in
   dovecot-2.3/retrieve-dovecot.h (doc/dovecot-2.4.md). */

#include "str-parse.h"
#include "module-dir.h"
#include "istream-dot.h"

/* str_begins_with() is 2.4's own */

#define retrieve_parse_interval(str, secs_r, error_r) \
	str_parse_get_interval(str, secs_r, error_r)
#define retrieve_parse_size(str, bytes_r, error_r) \
	str_parse_get_size(str, bytes_r, error_r)

/* 2.4 takes the module names as an array */
#define retrieve_module_dir_try_load_missing(modules, dir, names, set, \
					     error_r) \
	module_dir_try_load_missing(modules, dir, \
				    t_strsplit_spaces(names, " "), set, \
				    error_r)

/* 2.4 takes flags: TRUE would be ISTREAM_DOT_TRIM_TRAIL and lose every
   message's last line end (t-11, t-12); LOOSE_EOT is 2.3's end */
#define retrieve_i_stream_create_dot(input) \
	i_stream_create_dot(input, ISTREAM_DOT_NO_TRIM | ISTREAM_DOT_LOOSE_EOT)

#endif
