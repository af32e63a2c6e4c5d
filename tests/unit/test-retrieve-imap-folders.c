/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "test-common.h"
#include "retrieve-imap-folders.h"

static struct retrieve_imap_folder
folder(const char *name, char sep, const char *special_use)
{
	struct retrieve_imap_folder f;

	i_zero(&f);
	f.remote_name = f.name = name;
	f.sep = sep;
	f.special_use = special_use;
	return f;
}

static void test_retrieve_imap_folder_is_inbox(void)
{
	test_begin("retrieve_imap_folder_is_inbox");
	test_assert(retrieve_imap_folder_is_inbox("INBOX"));
	test_assert(retrieve_imap_folder_is_inbox("inbox"));
	test_assert(retrieve_imap_folder_is_inbox("InBoX"));
	test_assert(!retrieve_imap_folder_is_inbox("INBOX.Sub"));
	test_assert(!retrieve_imap_folder_is_inbox("Inbox2"));
	test_end();
}

static void test_retrieve_imap_folder_excluded(void)
{
	static const char *const lists[] = { "Lists*", NULL };
	static const char *const pct[] = { "Lists%", "Lists.%", NULL };
	static const char *const specials[] = { "\\Junk", "\\Trash", NULL };
	static const char *const none[] = { NULL };
	static const char *const utf8[] = { "Ärger*", NULL };
	struct retrieve_imap_folder f;

	test_begin("retrieve_imap_folder_excluded");
	f = folder("Lists", '.', NULL);
	test_assert(retrieve_imap_folder_excluded(&f, lists));
	f = folder("Lists.dev", '.', NULL);
	test_assert(retrieve_imap_folder_excluded(&f, lists));
	/* '%' stops at the hierarchy separator */
	f = folder("Lists.dev.old", '.', NULL);
	test_assert(!retrieve_imap_folder_excluded(&f, pct));
	f = folder("Lists.dev", '.', NULL);
	test_assert(retrieve_imap_folder_excluded(&f, pct));
	f = folder("Work", '.', NULL);
	test_assert(!retrieve_imap_folder_excluded(&f, lists));
	test_assert(!retrieve_imap_folder_excluded(&f, none));
	/* special use, whatever the name */
	f = folder("Spam", '/', "\\Junk");
	test_assert(retrieve_imap_folder_excluded(&f, specials));
	f = folder("Junk", '/', NULL);
	test_assert(!retrieve_imap_folder_excluded(&f, specials));
	f = folder("Sent", '/', "\\Sent");
	test_assert(!retrieve_imap_folder_excluded(&f, specials));
	/* UTF-8 names */
	f = folder("Ärger/alt", '/', NULL);
	test_assert(retrieve_imap_folder_excluded(&f, utf8));
	test_end();
}

static void test_retrieve_imap_folder_map(void)
{
	struct retrieve_imap_folder f;

	test_begin("retrieve_imap_folder_map");
	/* inbox and merge: always the account's folder */
	f = folder("Work.Projects", '.', NULL);
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MERGE,
		"Fetched", '/', &f, NULL), "Fetched");
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_INBOX,
		"INBOX", '/', &f, NULL), "INBOX");
	/* mirror: separators mapped, under the account's folder */
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported/Work/Projects");
	/* folder=INBOX: at the top level */
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"INBOX", '/', &f, NULL), "Work/Projects");
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"inbox", '.', &f, NULL), "Work.Projects");
	/* the remote INBOX is the account's folder */
	f = folder("INBOX", '.', NULL);
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported");
	/* its children go under it */
	f = folder("INBOX.Sub", '.', NULL);
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported/Sub");
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"INBOX", '/', &f, NULL), "INBOX/Sub");
	/* a local separator inside a remote name is not a level */
	f = folder("a/b.c", '.', NULL);
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"Imp", '/', &f, NULL), "Imp/a_b/c");
	/* a flat remote */
	f = folder("x.y", '\0', NULL);
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"Imp", '.', &f, NULL), "Imp.x_y");
	/* special use: the local folder with the same use */
	f = folder("Sent", '.', "\\Sent");
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, "Sent Items"), "Sent Items");
	test_assert_strcmp(retrieve_imap_folder_map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported/Sent");
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_imap_folder_is_inbox,
		test_retrieve_imap_folder_excluded,
		test_retrieve_imap_folder_map,
		NULL
	};
	return test_run(test_functions);
}
