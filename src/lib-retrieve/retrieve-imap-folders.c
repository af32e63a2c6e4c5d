/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "crc32.h"
#include "unichar.h"
#include "str-sanitize.h"
#include "imap-match.h"
#include "imap-utf7.h"
#include "retrieve-imap-folders.h"

/* What replaces a character a local level can't hold */
#define RETRIEVE_IMAP_REPLACEMENT '_'
/* The least room left for the remote part of a mapped name, even when the
   account's folder is long */
#define RETRIEVE_IMAP_FOLDER_MIN_PATH 32

/* Folders that hold junk or deleted mail on servers without SPECIAL-USE,
   by their usual names (Dovecot, Cyrus, Courier, Exchange, Apple) */
static const char *const retrieve_imap_junk_names[] = {
	"Junk", "Spam", "Junk E-mail", NULL
};
static const char *const retrieve_imap_trash_names[] = {
	"Trash", "Deleted Items", "Deleted Messages", NULL
};

const char *retrieve_imap_folder_name_utf8(const char *remote_name)
{
	string_t *name = t_str_new(128);

	if (imap_utf7_to_utf8(remote_name, name) == 0)
		return str_c(name);
	/* not modified UTF-7: 8-bit from a server that sends UTF-8 as it
	   is, or garbage. mailbox_alloc() and the logs want valid UTF-8. */
	if (uni_utf8_str_is_valid(remote_name))
		return remote_name;
	str_truncate(name, 0);
	if (uni_utf8_get_valid_data((const unsigned char *)remote_name,
				    strlen(remote_name), name))
		return remote_name;
	return str_c(name);
}

const char *retrieve_imap_folder_display(const char *remote_name)
{
	const char *name = retrieve_imap_folder_name_utf8(remote_name);
	char *copy = t_strdup_noconst(name), *p;

	/* str_sanitize() keeps DEL; a valid UTF-8 string has ASCII
	   control characters only as single bytes */
	for (p = copy; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	}
	return str_sanitize(copy, RETRIEVE_IMAP_FOLDER_DISPLAY_MAX);
}

bool retrieve_imap_folder_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

bool retrieve_imap_folder_has_prefix(const char *remote_name,
				     const char *prefix)
{
	size_t len;

	if (prefix == NULL || prefix[0] == '\0')
		return FALSE;
	len = strlen(prefix);
	if (len >= 5 && strncasecmp(prefix, "INBOX", 5) == 0) {
		return strncasecmp(remote_name, prefix, 5) == 0 &&
			strncmp(remote_name + 5, prefix + 5, len - 5) == 0;
	}
	return strncmp(remote_name, prefix, len) == 0;
}

void retrieve_imap_folder_init(struct retrieve_imap_folder *folder,
			       pool_t pool, const char *remote_name,
			       char sep, const char *special_use,
			       const char *prefix)
{
	i_zero(folder);
	folder->remote_name = p_strdup(pool, remote_name);
	folder->name = p_strdup(pool,
				retrieve_imap_folder_name_utf8(remote_name));
	if (!retrieve_imap_folder_is_inbox(remote_name) &&
	    retrieve_imap_folder_has_prefix(remote_name, prefix)) {
		folder->path = p_strdup(pool, retrieve_imap_folder_name_utf8(
			remote_name + strlen(prefix)));
	} else {
		folder->path = folder->name;
	}
	folder->display = p_strdup(pool,
				   retrieve_imap_folder_display(remote_name));
	/* a separator that is not printable ASCII could split a UTF-8
	   sequence: such a server is taken as flat */
	folder->sep = (unsigned char)sep > 0x20 && (unsigned char)sep < 0x7f ?
		sep : '\0';
	folder->special_use = p_strdup(pool, special_use);
}

/* TRUE when the folder (without prefix, or under INBOX) is one of names
   or below one, in any case */
static bool
retrieve_imap_folder_is_named(const struct retrieve_imap_folder *folder,
			      const char *const *names)
{
	const char *path = folder->path;
	size_t len;

	if (folder->sep != '\0' && strncasecmp(path, "INBOX", 5) == 0 &&
	    path[5] == folder->sep)
		path += 6;
	for (; *names != NULL; names++) {
		len = strlen(*names);
		if (strncasecmp(path, *names, len) == 0 &&
		    (path[len] == '\0' ||
		     (folder->sep != '\0' && path[len] == folder->sep)))
			return TRUE;
	}
	return FALSE;
}

static bool
retrieve_imap_folder_special_excluded(const struct retrieve_imap_folder *folder,
				      const char *flag)
{
	if (folder->special_use != NULL)
		return strcasecmp(folder->special_use, flag) == 0;
	/* no special use: the conventional names stand in for it */
	if (strcasecmp(flag, "\\Junk") == 0)
		return retrieve_imap_folder_is_named(folder,
						     retrieve_imap_junk_names);
	if (strcasecmp(flag, "\\Trash") == 0)
		return retrieve_imap_folder_is_named(folder,
						     retrieve_imap_trash_names);
	return FALSE;
}

bool retrieve_imap_folder_excluded(const struct retrieve_imap_folder *folder,
				   const char *const *patterns)
{
	struct imap_match_glob *glob;

	for (; *patterns != NULL; patterns++) {
		if ((*patterns)[0] == '\\') {
			if (retrieve_imap_folder_special_excluded(folder,
								  *patterns))
				return TRUE;
			continue;
		}
		glob = imap_match_init(pool_datastack_create(), *patterns,
				       TRUE, folder->sep);
		if (imap_match(glob, folder->name) == IMAP_MATCH_YES)
			return TRUE;
		if (folder->path != folder->name &&
		    imap_match(glob, folder->path) == IMAP_MATCH_YES)
			return TRUE;
	}
	return FALSE;
}

static bool
retrieve_imap_folder_reserved(
	const struct retrieve_imap_folder_map_settings *set,
	const char *level, size_t len)
{
	const char *const *names;

	if (len == 5 && strncasecmp(level, "INBOX", 5) == 0)
		return TRUE;
	if (set->reserved == NULL)
		return FALSE;
	for (names = set->reserved; *names != NULL; names++) {
		if (strlen(*names) == len &&
		    strncasecmp(level, *names, len) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Appends one remote level [level, level+len) as a valid local level */
static void
retrieve_imap_folder_append_level(
	string_t *dest, const struct retrieve_imap_folder_map_settings *set,
	const char *level, size_t len, bool first)
{
	size_t i, start = str_len(dest);
	unsigned char c;

	if (len == 0) {
		/* "a..b", a trailing separator: Dovecot refuses empty
		   levels */
		str_append_c(dest, RETRIEVE_IMAP_REPLACEMENT);
		return;
	}
	for (i = 0; i < len; i++) {
		c = level[i];
		if (c < 0x20 || c == 0x7f || c == '/' || c == '*' ||
		    c == '%' || c == (unsigned char)set->local_sep ||
		    (set->storage_sep != '\0' &&
		     c == (unsigned char)set->storage_sep) ||
		    (i == 0 && (c == '~' || c == '.')))
			c = RETRIEVE_IMAP_REPLACEMENT;
		str_append_c(dest, c);
	}
	if (first && retrieve_imap_folder_reserved(set, str_c(dest) + start,
						   str_len(dest) - start)) {
		/* "shared", "Public", "INBOX" at the top level belong to
		   other namespaces or to INBOX itself */
		str_append_c(dest, RETRIEVE_IMAP_REPLACEMENT);
	}
}

/* The remote path as local levels joined with the local separator */
static void
retrieve_imap_folder_append_path(
	string_t *dest, const struct retrieve_imap_folder_map_settings *set,
	const char *path, char remote_sep, bool top)
{
	const char *end;
	unsigned int depth = 1;

	for (;;) {
		end = remote_sep == '\0' ? NULL : strchr(path, remote_sep);
		if (end == NULL || depth >= RETRIEVE_IMAP_FOLDER_MAX_DEPTH) {
			/* the last level: deeper ones stay in it as one
			   level (a remote separator there is just a
			   character, unless it can't be one locally) */
			retrieve_imap_folder_append_level(dest, set, path,
				strlen(path), top && depth == 1);
			return;
		}
		retrieve_imap_folder_append_level(dest, set, path,
			end - path, top && depth == 1);
		str_append_c(dest, set->local_sep);
		path = end + 1;
		depth++;
	}
}

/* Cuts the mapped part (from offset on) to max bytes at a character
   boundary, ending with a hash of the full remote name, so that two long
   names sharing a beginning stay apart */
static void
retrieve_imap_folder_truncate(
	string_t *str, size_t offset, size_t max,
	const struct retrieve_imap_folder_map_settings *set,
	const char *remote_name)
{
	const char *suffix = t_strdup_printf("%c%08x",
		RETRIEVE_IMAP_REPLACEMENT, crc32_str(remote_name));
	const unsigned char *data = str_data(str);
	size_t len = max - strlen(suffix);

	/* not inside a UTF-8 sequence */
	while (len > 0 && (data[offset + len] & 0xc0) == 0x80)
		len--;
	/* nor leaving an empty last level */
	while (len > 0 &&
	       data[offset + len - 1] == (unsigned char)set->local_sep)
		len--;
	str_truncate(str, offset + len);
	str_append(str, suffix);
}

const char *
retrieve_imap_folder_map(const struct retrieve_imap_folder_map_settings *set,
			 const struct retrieve_imap_folder *folder,
			 const char *local_special)
{
	const char *path = folder->path;
	size_t offset, budget;
	string_t *str;
	bool top = FALSE;

	if (set->method != RETRIEVE_FOLDERS_MIRROR)
		return set->dest;
	if (retrieve_imap_folder_is_inbox(folder->name))
		return set->dest;
	if (local_special != NULL)
		return local_special;

	str = t_str_new(128);
	if (path == folder->name && folder->sep != '\0' &&
	    strncasecmp(path, "INBOX", 5) == 0 && path[5] == folder->sep) {
		/* the remote INBOX's children go under what INBOX maps to */
		path += 6;
		str_append(str, set->dest);
		str_append_c(str, set->local_sep);
	} else if (retrieve_imap_folder_is_inbox(set->dest)) {
		/* folder=INBOX mirrors at the top level of its namespace */
		top = TRUE;
		if (set->local_prefix != NULL)
			str_append(str, set->local_prefix);
	} else {
		str_append(str, set->dest);
		str_append_c(str, set->local_sep);
	}
	offset = str_len(str);
	retrieve_imap_folder_append_path(str, set, path, folder->sep, top);

	budget = offset < RETRIEVE_IMAP_FOLDER_MAX_NAME -
		RETRIEVE_IMAP_FOLDER_MIN_PATH ?
		RETRIEVE_IMAP_FOLDER_MAX_NAME - offset :
		RETRIEVE_IMAP_FOLDER_MIN_PATH;
	if (str_len(str) - offset > budget) {
		retrieve_imap_folder_truncate(str, offset, budget, set,
					      folder->remote_name);
	}
	return str_c(str);
}
