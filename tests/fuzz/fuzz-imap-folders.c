/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The folder mapping: the input's first line is
   "<method><remote sep><local sep><dest>" (method: the byte mod 3;
   remote sep '_' for none; local sep '.' or else '/'), the second
   the exclude patterns (space separated), the third the special-use
   flag of the first folder, the rest remote folder names as LIST returns them. Each name is
   converted, matched and mapped.

   A mirrored name must also be one Dovecot accepts and stay under the
   destination: valid UTF-8, no empty, "." or ".." component, none
   starting with '~', at most 4096 bytes. */

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

static void fuzz_check_local(const char *dest, char local_sep,
			     const char *local)
{
	const char *const *comp, *rest = local;
	size_t dest_len = strlen(dest);

	if (!uni_utf8_str_is_valid(local))
		i_panic("mapped name is not UTF-8: %s", local);
	if (strlen(local) > 4096)
		i_panic("mapped name is %zu bytes", strlen(local));
	if (strcmp(local, dest) != 0 &&
	    !retrieve_imap_folder_is_inbox(dest) &&
	    (strncmp(local, dest, dest_len) != 0 ||
	     local[dest_len] != local_sep))
		i_panic("mapped name %s is not under %s", local, dest);
	/* dest is the account's setting, checked where it is parsed */
	if (strcmp(local, dest) == 0)
		return;
	if (!retrieve_imap_folder_is_inbox(dest))
		rest = local + dest_len + 1;
	for (comp = t_strsplit(rest, (const char[]){ local_sep, '\0' });
	     *comp != NULL; comp++) {
		if ((*comp)[0] == '\0' || (*comp)[0] == '~' ||
		    strcmp(*comp, ".") == 0 || strcmp(*comp, "..") == 0)
			i_panic("mapped name %s has a bad component '%s'",
				local, *comp);
	}
}

static void fuzz_folder(const char *header, const char *const *patterns,
			const char *special_use, const char *remote_name)
{
	static const char *const reserved[] = { "shared", "Public", NULL };
	struct retrieve_imap_folder_map_settings set;
	struct retrieve_imap_folder folder;
	char sep = '.';
	const char *local;

	i_zero(&set);
	set.method = RETRIEVE_FOLDERS_INBOX;
	set.dest = "INBOX";
	set.local_sep = '/';
	set.local_prefix = "";
	set.reserved = reserved;
	if (header[0] != '\0') {
		set.method = (unsigned char)header[0] % 3;
		if (header[1] != '\0') {
			sep = header[1] == '_' ? '\0' : header[1];
			if (header[2] != '\0') {
				/* Dovecot's: '/' or '.' */
				set.local_sep = header[2] == '.' ? '.' : '/';
				/* the account's folder: valid UTF-8, as
				   its settings parser demands */
				if (header[3] != '\0' &&
				    uni_utf8_str_is_valid(header + 3))
					set.dest = header + 3;
			}
		}
	}
	retrieve_imap_folder_init(&folder, pool_datastack_create(),
				  remote_name, sep,
				  special_use[0] == '\0' ? NULL : special_use,
				  NULL);
	(void)retrieve_imap_folder_is_inbox(folder.name);
	(void)retrieve_imap_folder_display(remote_name);
	if (retrieve_imap_folder_excluded(&folder, patterns))
		return;
	local = retrieve_imap_folder_map(&set, &folder,
		set.method == RETRIEVE_FOLDERS_MIRROR &&
		folder.special_use != NULL ? "Sent" : NULL);
	i_assert(local != NULL);
	if (set.method == RETRIEVE_FOLDERS_MIRROR &&
	    folder.special_use == NULL)
		fuzz_check_local(set.dest, set.local_sep, local);
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
		/* the special-use flag is the first folder's */
		for (; *lines != NULL; lines++) {
			fuzz_folder(header, patterns, special_use, *lines);
			special_use = "";
		}
	} T_END;
	return 0;
}
