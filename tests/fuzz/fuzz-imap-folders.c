/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The folder mapping: the input's first line is
   "<method> <remote sep> <local sep> <dest>" (method 0..2), the second
   the exclude patterns (space separated), the third the special-use
   flag, the rest remote folder names as LIST returns them. Each name is
   converted, matched and mapped. */

#include "lib.h"
#include "array.h"
#include "unichar.h"
#include "retrieve-imap-folders.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	return 0;
}

static void fuzz_folder(const char *header, const char *const *patterns,
			const char *special_use, const char *remote_name)
{
	struct retrieve_imap_folder folder;
	enum retrieve_folders_method method = RETRIEVE_FOLDERS_INBOX;
	char local_sep = '/';
	const char *dest = "INBOX", *local;

	i_zero(&folder);
	folder.sep = '.';
	if (header[0] != '\0') {
		method = (header[0] - '0') % 3;
		if (header[1] != '\0') {
			folder.sep = header[1] == '_' ? '\0' : header[1];
			if (header[2] != '\0') {
				local_sep = header[2];
				if (header[3] != '\0')
					dest = header + 3;
			}
		}
	}
	folder.remote_name = remote_name;
	folder.name = retrieve_imap_folder_name_utf8(remote_name);
	folder.special_use = special_use[0] == '\0' ? NULL : special_use;
	(void)retrieve_imap_folder_is_inbox(folder.name);
	if (retrieve_imap_folder_excluded(&folder, patterns))
		return;
	local = retrieve_imap_folder_map(method, dest, local_sep, &folder,
		method == RETRIEVE_FOLDERS_MIRROR ? "Sent" : NULL);
	i_assert(local != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	T_BEGIN {
		const char *const *lines = fuzz_t_lines(data, size, 64);
		const char *const *patterns;
		const char *header, *special_use = "";

		header = lines[0] == NULL ? "" : *lines++;
		if (*lines == NULL)
			patterns = t_strsplit_spaces("", " ");
		else
			patterns = t_strsplit_spaces(*lines++, " ");
		if (*lines != NULL)
			special_use = *lines++;
		for (; *lines != NULL; lines++)
			fuzz_folder(header, patterns, special_use, *lines);
	} T_END;
	return 0;
}
