#ifndef RETRIEVE_IMAP_FOLDERS_H
#define RETRIEVE_IMAP_FOLDERS_H

#include "retrieve-settings.h"

/* Which remote folders an IMAP account retrieves and where each lands
   locally: pure functions, unit-tested. */

struct retrieve_imap_folder {
	/* As the server names it (modified UTF-7): the state's key and what
	   SELECT gets */
	const char *remote_name;
	/* UTF-8: for patterns, mapping and logs */
	const char *name;
	/* The remote hierarchy separator, '\0' for a flat server */
	char sep;
	/* "\\Sent", "\\Junk", ...; NULL when none */
	const char *special_use;
};

/* The UTF-8 name of a remote folder name (modified UTF-7), or the name
   as it is when it isn't valid modified UTF-7 */
const char *retrieve_imap_folder_name_utf8(const char *remote_name);

/* TRUE for the remote INBOX (any case) */
bool retrieve_imap_folder_is_inbox(const char *name);

/* TRUE when one of patterns (NULL-terminated) leaves the folder out: an
   IMAP LIST pattern ('*' matches across levels, '%' within one) on the
   UTF-8 name, or a special-use flag such as \Junk. */
bool retrieve_imap_folder_excluded(const struct retrieve_imap_folder *folder,
				   const char *const *patterns);

/* The local folder (vname) for the remote folder's messages. dest is the
   account's folder, local_sep the local hierarchy separator and
   local_special the local folder with the remote folder's special use
   (NULL when none; used only by mirror). */
const char *
retrieve_imap_folder_map(enum retrieve_folders_method method,
			 const char *dest, char local_sep,
			 const struct retrieve_imap_folder *folder,
			 const char *local_special);

#endif
