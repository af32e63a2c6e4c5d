#ifndef RETRIEVE_DOVECOT_H
#define RETRIEVE_DOVECOT_H

/* Dovecot 2.3 forms of the calls whose names or signatures changed in
   2.4: the shared code calls these names, dovecot-2.4/retrieve-dovecot.h
   maps them to 2.4 (doc/dovecot-2.4.md). */

#include "settings-parser.h"
#include "module-dir.h"
#include "istream-dot.h"

/* 2.4's name of 2.3's two-argument str_begins() (2.4's str_begins()
   takes a third, the suffix) */
#define str_begins_with(haystack, needle) str_begins(haystack, needle)

/* durations and sizes as in Dovecot's settings ("10m", "20M") */
#define retrieve_parse_interval(str, secs_r, error_r) \
	settings_get_time(str, secs_r, error_r)
#define retrieve_parse_size(str, bytes_r, error_r) \
	settings_get_size(str, bytes_r, error_r)

/* module names space-separated, as 2.3 takes them */
#define retrieve_module_dir_try_load_missing(modules, dir, names, set, \
					     error_r) \
	module_dir_try_load_missing(modules, dir, names, set, error_r)

/* a POP3 multi-line reply's body with its last line's LF kept (TRUE:
   2.3's send_last_lf); "\n.\n" ends it as well as "\r\n.\r\n" */
#define retrieve_i_stream_create_dot(input) \
	i_stream_create_dot(input, TRUE)

#endif
