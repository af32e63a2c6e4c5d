/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "str-sanitize.h"
#include "unichar.h"
#include "imap-arg.h"
#include "mail-user.h"
#include "mail-namespace.h"
#include "mail-storage.h"
#include "imapc-client.h"
#include "retrieve-imap-client.h"

static const char *const imap_special_uses[] = {
	"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent",
	"\\Trash", NULL
};

/* Most folders of one LIST retrieved, and most bytes of their names
   kept; the rest waits for a later run (after some are excluded or
   deleted) */
#define IMAP_MAX_FOLDERS 10000
#define IMAP_MAX_LIST_BYTES (4*1024*1024)
/* Longest remote folder name retrieved (Dovecot's own limit for a name):
   a longer one is an error on its row and never a state key, whose
   record must stay below the state's line limit */
#define IMAP_MAX_FOLDER_NAME 4096
/* Most NAMESPACE entries looked at; a server sending more is odd */
#define IMAP_NAMESPACE_MAX_ENTRIES 32

/* The local side of mapping: the account folder's namespace, its
   separators, and the other namespaces' first levels, which a top-level
   mirror must not create */
void retrieve_imap_map_init(struct imap_client *ic)
{
	const struct retrieve_account_settings *set = ic->client.set;
	struct retrieve_imap_folder_map_settings *map_set = &ic->map_set;
	struct mail_namespace *ns;
	ARRAY_TYPE(const_string) reserved;
	const char *name, *sep;
	char storage_sep;

	i_zero(map_set);
	map_set->method = set->folders;
	map_set->dest = set->folder;
	map_set->local_sep = retrieve_client_local_separator(&ic->client);
	map_set->local_prefix = "";
	ic->dest_ns = mail_namespace_find(ic->client.user->namespaces,
					  set->folder);
	if (ic->dest_ns != NULL) {
		map_set->local_prefix = ic->dest_ns->prefix;
		storage_sep = mailbox_list_get_hierarchy_sep(ic->dest_ns->list);
		if (storage_sep != map_set->local_sep)
			map_set->storage_sep = storage_sep;
	}
	p_array_init(&reserved, ic->client.pool, 4);
	for (ns = ic->client.user->namespaces; ns != NULL; ns = ns->next) {
		if (ns == ic->dest_ns || ns->prefix_len == 0)
			continue;
		name = ns->prefix;
		sep = strchr(name, mail_namespace_get_sep(ns));
		if (sep != NULL)
			name = p_strdup_until(ic->client.pool, name, sep);
		if (name[0] != '\0')
			array_push_back(&reserved, &name);
	}
	array_append_zero(&reserved);
	map_set->reserved = array_front(&reserved);
}

/* Whether Dovecot would create the mapped folder, and in the account
   folder's namespace. Mapping makes names valid; this is what stands
   between a name it did not foresee and mailbox_alloc()'s assertions. */
static int
imap_folder_local_check(struct imap_client *ic, const char *local,
			const char **error_r)
{
	struct mailbox *box;
	enum mail_error error;
	int ret = 0;

	if (!uni_utf8_str_is_valid(local)) {
		*error_r = "Local folder name is not valid UTF-8";
		return -1;
	}
	if (ic->dest_ns == NULL) {
		*error_r = t_strdup_printf("No namespace for folder %s",
					   ic->client.set->folder);
		return -1;
	}
	if (mail_namespace_find(ic->client.user->namespaces, local) !=
	    ic->dest_ns) {
		*error_r = t_strdup_printf(
			"Local folder %s is outside the namespace of %s",
			str_sanitize(local, 200), ic->client.set->folder);
		return -1;
	}
	box = mailbox_alloc(ic->dest_ns->list, local, MAILBOX_FLAG_SAVEONLY);
	if (mailbox_verify_create_name(box) < 0) {
		*error_r = t_strdup_printf("Local folder %s refused: %s",
			str_sanitize(local, 200),
			mailbox_get_last_error(box, &error));
		ret = -1;
	}
	mailbox_free(&box);
	return ret;
}

void retrieve_imap_folder_add(struct imap_client *ic, const char *remote_name,
			      char sep, const char *special_use)
{
	const struct retrieve_account_settings *set = ic->client.set;
	struct imap_folder *folder;
	struct retrieve_imap_folder remote;
	const char *local_special = NULL, *other, *error;

	retrieve_imap_folder_init(&remote, ic->client.pool, remote_name, sep,
				  special_use, ic->ns_prefix);

	if (!retrieve_imap_folder_is_inbox(remote.name)) {
		if (set->folders == RETRIEVE_FOLDERS_INBOX)
			return;
		/* virtual views of other folders: retrieving them would
		   duplicate every message */
		if (special_use != NULL &&
		    (strcasecmp(special_use, "\\All") == 0 ||
		     strcasecmp(special_use, "\\Flagged") == 0)) {
			e_debug(ic->client.event, "Skipping virtual folder %s "
				"(%s)", remote.display, special_use);
			return;
		}
		/* other users' and shared folders are not the account's
		   mail */
		if (array_is_created(&ic->ns_others)) {
			array_foreach_elem(&ic->ns_others, other) {
				if (retrieve_imap_folder_has_prefix(
					remote_name, other)) {
					e_debug(ic->client.event,
						"Skipping folder %s of "
						"another namespace",
						remote.display);
					return;
				}
			}
		}
	}
	if (retrieve_imap_folder_excluded(&remote, set->folders_exclude)) {
		e_debug(ic->client.event, "Excluding folder %s",
			remote.display);
		return;
	}
	if (special_use != NULL && set->folders == RETRIEVE_FOLDERS_MIRROR) {
		local_special = retrieve_client_local_special_use(
			&ic->client, special_use);
	}

	folder = array_append_space(&ic->folders);
	folder->remote = remote;
	folder->inbox = retrieve_imap_folder_is_inbox(remote.name);
	folder->local = p_strdup(ic->client.pool, retrieve_imap_folder_map(
		&ic->map_set, &remote, local_special));
	if (strpbrk(remote_name, "\r\n") != NULL) {
		/* only a literal could carry it, and imapc's SELECT
		   stalls on one */
		folder->error = "Folder name contains a line break";
	} else if (set->folders == RETRIEVE_FOLDERS_MIRROR && !folder->inbox &&
		   local_special == NULL &&
		   imap_folder_local_check(ic, folder->local, &error) < 0)
		folder->error = p_strdup(ic->client.pool, error);
	e_debug(ic->client.event, "Folder %s%s%s -> %s", remote.display,
		special_use == NULL ? "" : " ",
		special_use == NULL ? "" : special_use,
		str_sanitize(folder->local, 200));
}

/* A folder whose name is too long to be used or recorded: an error row
   without a state key ("" is never a remote IMAP folder's name) */
static void imap_folder_add_too_long(struct imap_client *ic, const char *name)
{
	struct imap_folder *folder;

	folder = array_append_space(&ic->folders);
	folder->remote.remote_name = "";
	folder->remote.name = folder->remote.path = "";
	folder->remote.display = p_strdup(ic->client.pool,
					  retrieve_imap_folder_display(name));
	folder->local = ic->client.set->folder;
	folder->error = p_strdup_printf(ic->client.pool,
		"Folder name too long (%zu bytes)", strlen(name));
}

/* The reply to NAMESPACE: (("prefix" "sep") ...) for personal, other
   users' and shared namespaces, each NIL when none */
void retrieve_imap_untagged_namespace(struct imap_client *ic,
				      const struct imap_arg *args)
{
	const struct imap_arg *list, *entry;
	const char *prefix;
	unsigned int i, n = 0;

	for (i = 0; i < 3 && !IMAP_ARG_IS_EOL(&args[i]); i++) {
		if (!imap_arg_get_list(&args[i], &list))
			continue;
		for (; !IMAP_ARG_IS_EOL(list) &&
		       n < IMAP_NAMESPACE_MAX_ENTRIES; list++, n++) {
			if (!imap_arg_get_list(list, &entry) ||
			    !imap_arg_get_string(&entry[0], &prefix))
				continue;
			if (i == 0) {
				/* the first personal one is where the
				   user's folders are */
				if (ic->ns_prefix == NULL) {
					ic->ns_prefix = p_strdup(
						ic->client.pool, prefix);
				}
			} else if (prefix[0] != '\0') {
				prefix = p_strdup(ic->client.pool, prefix);
				array_push_back(&ic->ns_others, &prefix);
			}
		}
	}
}

static void imap_list_send(struct imap_client *ic);

static void
imap_namespace_callback(const struct imapc_command_reply *reply,
			void *context)
{
	struct imap_client *ic = context;

	if (ic->phase != IMAP_PHASE_NAMESPACE)
		return;
	if (reply->state == IMAPC_COMMAND_STATE_DISCONNECTED) {
		retrieve_imap_fail_reply(ic, "NAMESPACE", reply,
				RETRIEVE_RESULT_REMOTE_TEMPFAIL);
		return;
	}
	if (reply->state != IMAPC_COMMAND_STATE_OK) {
		/* names are then taken as they are */
		e_debug(ic->client.event, "NAMESPACE failed: %s",
			str_sanitize(reply->text_full, 200));
	}
	if (ic->ns_prefix != NULL && ic->ns_prefix[0] != '\0') {
		e_debug(ic->client.event, "Personal namespace prefix %s",
			retrieve_imap_folder_display(ic->ns_prefix));
	}
	imap_list_send(ic);
}

/* Asks for the server's namespaces when it has them, then LISTs */
void retrieve_imap_list_start(struct imap_client *ic)
{
	enum imapc_capability caps;
	struct imapc_command *cmd;

	p_array_init(&ic->ns_others, ic->client.pool, 4);
	if (imapc_client_get_capabilities(ic->imapc, &caps) < 0 ||
	    (caps & IMAPC_CAPABILITY_NAMESPACE) == 0) {
		imap_list_send(ic);
		return;
	}
	ic->phase = IMAP_PHASE_NAMESPACE;
	cmd = imapc_client_cmd(ic->imapc, imap_namespace_callback, ic);
	imapc_command_send(cmd, "NAMESPACE");
}

void retrieve_imap_untagged_list(struct imap_client *ic,
				 const struct imap_arg *args)
{
	const struct imap_arg *flags;
	const char *flag, *sep, *name, *special_use = NULL;
	unsigned int i;
	size_t name_len;

	if (!imap_arg_get_list(&args[0], &flags) ||
	    !imap_arg_get_nstring(&args[1], &sep) ||
	    !imap_arg_get_astring(&args[2], &name)) {
		e_warning(ic->client.event, "Ignoring an invalid LIST reply");
		return;
	}
	for (; imap_arg_get_atom(flags, &flag); flags++) {
		if (strcasecmp(flag, "\\Noselect") == 0 ||
		    strcasecmp(flag, "\\NonExistent") == 0)
			return;
		for (i = 0; imap_special_uses[i] != NULL; i++) {
			if (strcasecmp(flag, imap_special_uses[i]) == 0)
				special_use = imap_special_uses[i];
		}
	}
	if (hash_table_lookup(ic->listed, name) != NULL) {
		/* listed twice: retrieved once */
		return;
	}
	name_len = strlen(name);
	if (ic->list_count >= IMAP_MAX_FOLDERS ||
	    ic->list_bytes + name_len > IMAP_MAX_LIST_BYTES) {
		if (!ic->list_truncated) {
			e_warning(ic->client.event, "The server lists more "
				  "than %u folders or %u bytes of folder "
				  "names: retrieving only the first",
				  IMAP_MAX_FOLDERS, IMAP_MAX_LIST_BYTES);
		}
		ic->list_truncated = TRUE;
		return;
	}
	ic->list_count++;
	ic->list_bytes += name_len;
	if (name_len > IMAP_MAX_FOLDER_NAME) {
		imap_folder_add_too_long(ic, name);
		return;
	}
	name = p_strdup(ic->client.pool, name);
	hash_table_insert(ic->listed, name, name);
	retrieve_imap_folder_add(ic, name, sep == NULL ? '\0' : sep[0], special_use);
}

static int imap_folder_cmp(const struct imap_folder *f1,
			   const struct imap_folder *f2)
{
	/* INBOX first: it is what the user waits for */
	if (f1->inbox != f2->inbox)
		return f1->inbox ? -1 : 1;
	return 0;
}

/* Folders of the state that LIST no longer returns: deleted (or
   renamed) on the remote, or a transiently short LIST. Reported; their
   state is forgotten when the LIST of an earlier run lacked them too. */
static void imap_folders_vanished(struct imap_client *ic)
{
	const char *const *names, *const *namep;
	unsigned int listed_other = 0, state_other = 0;
	struct hash_iterate_context *iter;
	const char *key, *value;

	iter = hash_table_iterate_init(ic->listed);
	while (hash_table_iterate(iter, ic->listed, &key, &value)) {
		if (!retrieve_imap_folder_is_inbox(key))
			listed_other++;
	}
	hash_table_iterate_deinit(&iter);

	names = retrieve_client_get_folders(&ic->client,
					    pool_datastack_create());
	for (namep = names; *namep != NULL; namep++) {
		if ((*namep)[0] == '\0')
			continue;
		if (hash_table_lookup(ic->listed, *namep) != NULL ||
		    retrieve_imap_folder_is_inbox(*namep)) {
			/* INBOX is always there, even when LIST (wrongly)
			   omits it */
			retrieve_client_folder_listed(&ic->client, *namep);
		} else {
			state_other++;
		}
	}
	/* An empty LIST, or one with only INBOX while the state knows
	   several other folders, is what a server with a transient problem
	   sends: it proves nothing, so nothing is marked or forgotten. */
	if (state_other > 0 && listed_other == 0 &&
	    (hash_table_count(ic->listed) == 0 || state_other > 1)) {
		e_info(ic->client.event, "LIST returned no folder besides "
		       "INBOX: keeping the state of the %u other folders",
		       state_other);
		return;
	}
	for (namep = names; *namep != NULL; namep++) {
		if ((*namep)[0] == '\0' ||
		    hash_table_lookup(ic->listed, *namep) != NULL ||
		    retrieve_imap_folder_is_inbox(*namep))
			continue;
		retrieve_client_folder_vanished(&ic->client, *namep,
			retrieve_imap_folder_display(*namep));
	}
}

static void
imap_list_callback(const struct imapc_command_reply *reply,
		   void *context)
{
	struct imap_client *ic = context;

	if (ic->phase != IMAP_PHASE_LIST)
		return;
	if (reply->state == IMAPC_COMMAND_STATE_BAD &&
	    !ic->list_extended_failed && ic->have_special_use) {
		/* SPECIAL-USE without LIST-EXTENDED syntax */
		ic->list_extended_failed = TRUE;
		ic->list_truncated = FALSE;
		ic->list_count = 0;
		ic->list_bytes = 0;
		array_clear(&ic->folders);
		imap_list_send(ic);
		return;
	}
	if (reply->state != IMAPC_COMMAND_STATE_OK) {
		retrieve_imap_fail_reply(ic, "LIST", reply,
				RETRIEVE_RESULT_REMOTE_ERROR);
		return;
	}
	if (!ic->list_truncated) T_BEGIN {
		imap_folders_vanished(ic);
	} T_END;
	/* a stable sort: the server's order otherwise */
	array_sort(&ic->folders, imap_folder_cmp);
	ic->folder_idx = 0;
	retrieve_imap_folder_next(ic);
}

static void imap_list_send(struct imap_client *ic)
{
	struct imapc_command *cmd;

	ic->phase = IMAP_PHASE_LIST;
	if (hash_table_is_created(ic->listed))
		hash_table_clear(ic->listed, TRUE);
	else {
		hash_table_create(&ic->listed, ic->client.pool, 0,
				  str_hash, strcmp);
	}
	cmd = imapc_client_cmd(ic->imapc, imap_list_callback, ic);
	if (ic->have_special_use && !ic->list_extended_failed)
		imapc_command_send(cmd, "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
	else
		imapc_command_send(cmd, "LIST \"\" \"*\"");
}
