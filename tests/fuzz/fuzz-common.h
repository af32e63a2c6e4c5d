#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

/* Shared by the libFuzzer targets: Dovecot's lib is initialised once per
   process; every input runs inside its own data stack frame, so what a
   parser allocates from it is freed before the next input. */

#include "lib.h"
#include "array.h"

#include <stdlib.h>

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void
fuzz_log_quiet(const struct failure_context *ctx ATTR_UNUSED,
	       const char *format ATTR_UNUSED, va_list args ATTR_UNUSED)
{
}

/* Errors about bad input are expected by the thousand: not printed.
   Fatal errors and panics still are, and abort the run. */
static inline void fuzz_lib_init(void)
{
	static bool initialized = FALSE;

	if (!initialized) {
		lib_init();
		if (getenv("FUZZ_VERBOSE") == NULL) {
			i_set_error_handler(fuzz_log_quiet);
			i_set_info_handler(fuzz_log_quiet);
			i_set_debug_handler(fuzz_log_quiet);
		}
		initialized = TRUE;
	}
}

/* The input as a NUL-terminated string (the parsers take C strings, so a
   NUL byte ends it, as it would when read from a line) */
static inline const char *fuzz_t_str(const uint8_t *data, size_t size)
{
	return t_strndup(data, size);
}

/* Splits the input at '\n' (dropping a '\r' before it) into a
   NULL-terminated array of strings, at most max_lines of them */
static inline const char *const *
fuzz_t_lines(const uint8_t *data, size_t size, unsigned int max_lines)
{
	ARRAY_TYPE(const_string) lines;
	const char *line;
	size_t start = 0, i, len;

	t_array_init(&lines, 16);
	for (i = 0; i <= size && array_count(&lines) < max_lines; i++) {
		if (i < size && data[i] != '\n')
			continue;
		len = i - start;
		if (len > 0 && data[start + len - 1] == '\r')
			len--;
		line = t_strndup(data + start, len);
		array_push_back(&lines, &line);
		start = i + 1;
	}
	array_append_zero(&lines);
	return array_front(&lines);
}

#endif
