#ifndef RETRIEVE_IMAP_FOLDERS_H
#define RETRIEVE_IMAP_FOLDERS_H

#include "retrieve-settings.h"

/* Which remote folders an IMAP account retrieves and where each lands
   locally: pure functions, unit-tested. Remote names are hostile: nothing
   here trusts their encoding, length, depth or characters. */

/* Levels of a remote folder kept as local levels; deeper ones are folded
   into the last kept level */
#define RETRIEVE_IMAP_FOLDER_MAX_DEPTH 16
/* Bytes of a mapped local name (UTF-8). Maildir++ keeps a whole name in
   one directory entry (NAME_MAX 255, in modified UTF-7 on disk), so this
   stays well below that; longer names are cut and made unique with a
   hash of the full remote name. */
#define RETRIEVE_IMAP_FOLDER_MAX_NAME 160
/* Bytes of a remote name as logs, state and status show it */
#define RETRIEVE_IMAP_FOLDER_DISPLAY_MAX 200

struct retrieve_imap_folder {
	/* As the server names it (modified UTF-7, or whatever bytes it
	   sent): the state's key and what SELECT gets */
	const char *remote_name;
	/* Valid UTF-8 (invalid bytes replaced): for patterns and mapping */
	const char *name;
	/* name without the server's personal namespace prefix */
	const char *path;
	/* name for logs, state and status: no control characters,
	   bounded */
	const char *display;
	/* The remote hierarchy separator, '\0' for a flat server */
	char sep;
	/* "\\Sent", "\\Junk", ...; NULL when none */
	const char *special_use;
};

/* Where mirrored folders land locally */
struct retrieve_imap_folder_map_settings {
	enum retrieve_folders_method method;
	/* the account's folder */
	const char *dest;
	/* the hierarchy separator of dest's namespace, and its storage's
	   own separator (maildir++: '.'; '\0' when the same or none):
	   neither may appear inside a mapped level */
	char local_sep, storage_sep;
	/* dest's namespace prefix ("" usually): mirroring at the top level
	   (dest INBOX) stays inside that namespace */
	const char *local_prefix;
	/* first-level names a top-level mirror must not create: other
	   local namespaces' prefixes without their separator ("shared",
	   "Public"); NULL-terminated, may be NULL */
	const char *const *reserved;
};

/* The UTF-8 name of a remote folder name: decoded from modified UTF-7;
   as it is when it is not mUTF-7 but valid UTF-8 (some servers send
   8-bit names); else with the invalid bytes replaced. Always valid
   UTF-8. */
const char *retrieve_imap_folder_name_utf8(const char *remote_name);

/* The remote name for logs, state and status: UTF-8, control characters
   replaced, at most RETRIEVE_IMAP_FOLDER_DISPLAY_MAX bytes. */
const char *retrieve_imap_folder_display(const char *remote_name);

/* Fills folder from what LIST returned; prefix is the server's personal
   namespace prefix as NAMESPACE sent it (mUTF-7, e.g. "INBOX."), NULL or
   "" for none. A separator that is not printable ASCII makes the folder
   flat. Strings are allocated from pool. */
void retrieve_imap_folder_init(struct retrieve_imap_folder *folder,
			       pool_t pool, const char *remote_name,
			       char sep, const char *special_use,
			       const char *prefix);

/* TRUE for the remote INBOX (any case) */
bool retrieve_imap_folder_is_inbox(const char *name);

/* TRUE when the remote folder name begins with prefix (NAMESPACE's form;
   an "INBOX" at its start in any case). An empty prefix never matches. */
bool retrieve_imap_folder_has_prefix(const char *remote_name,
				     const char *prefix);

/* TRUE when one of patterns (NULL-terminated) leaves the folder out: an
   IMAP LIST pattern ('*' matches across levels, '%' within one) on the
   UTF-8 name, with or without the personal namespace prefix, or a
   special-use flag such as \Junk. A folder without a special use is also
   taken for \Junk when named Junk, Spam or Junk E-mail, and for \Trash
   when named Trash, Deleted Items or Deleted Messages (any case, at the
   top, under the prefix or under INBOX; their subfolders too). */
bool retrieve_imap_folder_excluded(const struct retrieve_imap_folder *folder,
				   const char *const *patterns);

/* The local folder (vname) for the remote folder's messages; local_special
   is the local folder with the remote folder's special use (NULL when
   none; used only by mirror). Mirror maps each remote level to a local
   one under set->dest: control characters, the local separators, IMAP
   wildcards, a leading '~' or '.' become '_', empty levels "_", at most
   RETRIEVE_IMAP_FOLDER_MAX_DEPTH levels and
   RETRIEVE_IMAP_FOLDER_MAX_NAME bytes. The result is valid UTF-8. */
const char *
retrieve_imap_folder_map(const struct retrieve_imap_folder_map_settings *set,
			 const struct retrieve_imap_folder *folder,
			 const char *local_special);

#endif
