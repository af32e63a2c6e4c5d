/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "unichar.h"
#include "test-common.h"
#include "retrieve-imap-folders.h"
#include "retrieve-dovecot.h"

static struct retrieve_imap_folder
folder(const char *name, char sep, const char *special_use)
{
	struct retrieve_imap_folder f;

	i_zero(&f);
	f.remote_name = f.name = f.path = f.display = name;
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
	f = folder("Junk", '/', "\\Archive");
	test_assert(!retrieve_imap_folder_excluded(&f, specials));
	/* without a special use the usual name stands in for it */
	f = folder("Junk", '/', NULL);
	test_assert(retrieve_imap_folder_excluded(&f, specials));
	f = folder("Sent", '/', "\\Sent");
	test_assert(!retrieve_imap_folder_excluded(&f, specials));
	/* UTF-8 names */
	f = folder("Ärger/alt", '/', NULL);
	test_assert(retrieve_imap_folder_excluded(&f, utf8));
	test_end();
}

static const char *
map(enum retrieve_folders_method method, const char *dest, char local_sep,
    const struct retrieve_imap_folder *f, const char *local_special)
{
	struct retrieve_imap_folder_map_settings set;

	i_zero(&set);
	set.method = method;
	set.dest = dest;
	set.local_sep = local_sep;
	set.local_prefix = "";
	return retrieve_imap_folder_map(&set, f, local_special);
}

static void test_retrieve_imap_folder_map(void)
{
	struct retrieve_imap_folder f;

	test_begin("retrieve_imap_folder_map");
	/* inbox and merge: always the account's folder */
	f = folder("Work.Projects", '.', NULL);
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MERGE,
		"Fetched", '/', &f, NULL), "Fetched");
	test_assert_strcmp(map(RETRIEVE_FOLDERS_INBOX,
		"INBOX", '/', &f, NULL), "INBOX");
	/* mirror: separators mapped, under the account's folder */
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported/Work/Projects");
	/* folder=INBOX: at the top level */
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"INBOX", '/', &f, NULL), "Work/Projects");
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"inbox", '.', &f, NULL), "Work.Projects");
	/* the remote INBOX is the account's folder */
	f = folder("INBOX", '.', NULL);
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported");
	/* its children go under it */
	f = folder("INBOX.Sub", '.', NULL);
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported/Sub");
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"INBOX", '/', &f, NULL), "INBOX/Sub");
	/* a local separator inside a remote name is not a level */
	f = folder("a/b.c", '.', NULL);
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"Imp", '/', &f, NULL), "Imp/a_b/c");
	/* a flat remote */
	f = folder("x.y", '\0', NULL);
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"Imp", '.', &f, NULL), "Imp.x_y");
	/* special use: the local folder with the same use */
	f = folder("Sent", '.', "\\Sent");
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, "Sent Items"), "Sent Items");
	test_assert_strcmp(map(RETRIEVE_FOLDERS_MIRROR,
		"Imported", '/', &f, NULL), "Imported/Sent");
	test_end();
}

static void test_retrieve_imap_folder_name_utf8(void)
{
	const char *name;

	test_begin("retrieve_imap_folder_name_utf8");
	test_assert_strcmp(retrieve_imap_folder_name_utf8("Work"), "Work");
	test_assert_strcmp(retrieve_imap_folder_name_utf8("&AMQ-rger"),
			   "\xc3\x84rger");
	/* 8-bit UTF-8 as some servers send it: kept */
	test_assert_strcmp(retrieve_imap_folder_name_utf8("\xc3\x84rger"),
			   "\xc3\x84rger");
	/* bad modified UTF-7, but valid ASCII: as it is */
	test_assert_strcmp(retrieve_imap_folder_name_utf8("x&Jjo"), "x&Jjo");
	/* Latin-1 and broken sequences: always valid UTF-8 */
	name = retrieve_imap_folder_name_utf8("caf\xe9");
	test_assert(uni_utf8_str_is_valid(name));
	test_assert(str_begins_with(name, "caf"));
	name = retrieve_imap_folder_name_utf8("\xff\xfe\xc3(\xed\xa0\x80");
	test_assert(uni_utf8_str_is_valid(name));
	test_end();
}

static void test_retrieve_imap_folder_display(void)
{
	const char *name;
	string_t *str = t_str_new(2048);
	unsigned int i;

	test_begin("retrieve_imap_folder_display");
	test_assert_strcmp(retrieve_imap_folder_display("a\r\nb\x7f" "c\td"),
			   "a??b?c?d");
	/* control characters hidden in modified UTF-7 too */
	test_assert_strcmp(retrieve_imap_folder_display("ctl&AAE-x"), "ctl?x");
	for (i = 0; i < 1200; i++)
		str_append(str, "\xc3\xa4");
	name = retrieve_imap_folder_display(str_c(str));
	test_assert(strlen(name) <= RETRIEVE_IMAP_FOLDER_DISPLAY_MAX);
	test_assert(uni_utf8_str_is_valid(name));
	name = retrieve_imap_folder_display("caf\xe9\n");
	test_assert(uni_utf8_str_is_valid(name));
	test_assert(strchr(name, '\n') == NULL);
	test_end();
}

static void test_retrieve_imap_folder_prefix(void)
{
	struct retrieve_imap_folder f;
	pool_t pool = pool_datastack_create();

	test_begin("retrieve_imap_folder prefix");
	test_assert(retrieve_imap_folder_has_prefix("INBOX.Work", "INBOX."));
	test_assert(retrieve_imap_folder_has_prefix("inbox.Work", "INBOX."));
	test_assert(!retrieve_imap_folder_has_prefix("INBOX", "INBOX."));
	test_assert(!retrieve_imap_folder_has_prefix("Work", "INBOX."));
	test_assert(!retrieve_imap_folder_has_prefix("Work", ""));
	test_assert(!retrieve_imap_folder_has_prefix("Work", NULL));
	test_assert(retrieve_imap_folder_has_prefix("Mail/x", "Mail/"));
	test_assert(!retrieve_imap_folder_has_prefix("mail/x", "Mail/"));

	retrieve_imap_folder_init(&f, pool, "INBOX.W&APY-rk", '.', NULL,
				  "INBOX.");
	test_assert_strcmp(f.name, "INBOX.W\xc3\xb6rk");
	test_assert_strcmp(f.path, "W\xc3\xb6rk");
	retrieve_imap_folder_init(&f, pool, "INBOX", '.', NULL, "INBOX.");
	test_assert_strcmp(f.path, "INBOX");
	retrieve_imap_folder_init(&f, pool, "Other", '.', NULL, "INBOX.");
	test_assert_strcmp(f.path, "Other");
	retrieve_imap_folder_init(&f, pool, "a\r\nb", '.', "\\Sent", NULL);
	test_assert_strcmp(f.display, "a??b");
	test_assert_strcmp(f.remote_name, "a\r\nb");
	test_assert_strcmp(f.special_use, "\\Sent");
	/* an 8-bit or control separator would split UTF-8 sequences */
	retrieve_imap_folder_init(&f, pool, "\xc3\xa4\xbfx", '\xbf', NULL, NULL);
	test_assert(f.sep == '\0');
	retrieve_imap_folder_init(&f, pool, "a\tb", '\t', NULL, NULL);
	test_assert(f.sep == '\0');
	retrieve_imap_folder_init(&f, pool, "a.b", '.', NULL, NULL);
	test_assert(f.sep == '.');
	test_end();
}

static void test_retrieve_imap_folder_well_known(void)
{
	static const char *const def[] = { "\\Junk", "\\Trash", NULL };
	static const char *const junk[] = { "\\Junk", NULL };
	static const char *const pat[] = { "Lists*", NULL };
	static const char *const excluded[] = {
		"Trash", "trash", "JUNK", "Spam", "Deleted Items",
		"junk e-mail", "Deleted Messages", "INBOX.Trash",
		"inbox.Spam", "Trash.old", NULL
	};
	static const char *const kept[] = {
		"Trashy", "Work", "Work.Trash", "Spam2", "Deleted", NULL
	};
	struct retrieve_imap_folder f;
	pool_t pool = pool_datastack_create();
	unsigned int i;

	test_begin("retrieve_imap_folder_excluded well-known names");
	for (i = 0; excluded[i] != NULL; i++) {
		f = folder(excluded[i], '.', NULL);
		test_assert_idx(retrieve_imap_folder_excluded(&f, def), i);
	}
	for (i = 0; kept[i] != NULL; i++) {
		f = folder(kept[i], '.', NULL);
		test_assert_idx(!retrieve_imap_folder_excluded(&f, def), i);
	}
	/* under the personal namespace prefix */
	retrieve_imap_folder_init(&f, pool, "INBOX.Junk E-mail", '.', NULL,
				  "INBOX.");
	test_assert(retrieve_imap_folder_excluded(&f, def));
	retrieve_imap_folder_init(&f, pool, "Mail/Deleted Items", '/', NULL,
				  "Mail/");
	test_assert(retrieve_imap_folder_excluded(&f, def));
	/* only what the list names */
	f = folder("Trash", '.', NULL);
	test_assert(!retrieve_imap_folder_excluded(&f, junk));
	/* a special use wins over the name */
	f = folder("Trash", '.', "\\Archive");
	test_assert(!retrieve_imap_folder_excluded(&f, def));
	/* patterns match with and without the prefix */
	retrieve_imap_folder_init(&f, pool, "INBOX.Lists.dev", '.', NULL,
				  "INBOX.");
	test_assert(retrieve_imap_folder_excluded(&f, pat));
	test_end();
}

static const char *
map_set(const struct retrieve_imap_folder_map_settings *set,
	const char *remote_name, char sep, const char *prefix)
{
	struct retrieve_imap_folder f;

	retrieve_imap_folder_init(&f, pool_datastack_create(), remote_name,
				  sep, NULL, prefix);
	return retrieve_imap_folder_map(set, &f, NULL);
}

/* What Dovecot needs of every mapped name */
static bool
map_result_valid(const char *name, const char *dest, char sep)
{
	const char *const *levels;
	const char *p;

	if (!uni_utf8_str_is_valid(name) ||
	    strlen(name) > RETRIEVE_IMAP_FOLDER_MAX_NAME)
		return FALSE;
	if (dest != NULL && (!str_begins_with(name, dest) ||
			     name[strlen(dest)] != sep))
		return FALSE;
	for (p = name; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '*' ||
		    *p == '%')
			return FALSE;
	}
	levels = t_strsplit(name, (const char[]){ sep, '\0' });
	if (str_array_length(levels) > RETRIEVE_IMAP_FOLDER_MAX_DEPTH + 1)
		return FALSE;
	for (; *levels != NULL; levels++) {
		if ((*levels)[0] == '\0' || (*levels)[0] == '~' ||
		    (*levels)[0] == '.')
			return FALSE;
	}
	return TRUE;
}

static void test_retrieve_imap_folder_map_hostile(void)
{
	static const char *const reserved[] = { "shared", "Public", NULL };
	struct retrieve_imap_folder_map_settings set;
	string_t *deep = t_str_new(1024), *longname = t_str_new(2048);
	const char *name, *name2;
	unsigned int i;

	test_begin("retrieve_imap_folder_map hostile names");
	i_zero(&set);
	set.method = RETRIEVE_FOLDERS_MIRROR;
	set.dest = "Imp";
	set.local_sep = '/';
	set.storage_sep = '.';
	set.local_prefix = "";
	set.reserved = reserved;

	test_assert_strcmp(map_set(&set, "~x", '/', NULL), "Imp/_x");
	test_assert_strcmp(map_set(&set, "a/../b", '/', NULL), "Imp/a/__/b");
	test_assert_strcmp(map_set(&set, "a/./b", '/', NULL), "Imp/a/_/b");
	test_assert_strcmp(map_set(&set, "a//b/", '/', NULL), "Imp/a/_/b/_");
	test_assert_strcmp(map_set(&set, "/", '/', NULL), "Imp/_/_");
	test_assert_strcmp(map_set(&set, "a\r\nb\x7f", '/', NULL),
			   "Imp/a__b_");
	test_assert_strcmp(map_set(&set, "ctl&AAE-x", '/', NULL), "Imp/ctl_x");
	test_assert_strcmp(map_set(&set, "w*l%d", '/', NULL), "Imp/w_l_d");
	/* the storage separator can't be inside a level either */
	test_assert_strcmp(map_set(&set, "v1.2", '/', NULL), "Imp/v1_2");
	name = map_set(&set, "caf\xe9", '/', NULL);
	test_assert(map_result_valid(name, "Imp", '/'));
	test_assert(str_begins_with(name, "Imp/caf"));

	/* 300 levels: the first 16 kept, the rest folded into the 16th */
	for (i = 0; i < 300; i++)
		str_append(deep, i == 0 ? "d" : "/d");
	name = map_set(&set, str_c(deep), '/', NULL);
	test_assert(map_result_valid(name, "Imp", '/'));
	test_assert(str_begins_with(name,
		"Imp/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d_d_d"));

	/* 1,200 characters: cut, and two of them stay apart */
	for (i = 0; i < 1200; i++)
		str_append_c(longname, 'a' + i % 26);
	name = t_strdup(map_set(&set, str_c(longname), '/', NULL));
	test_assert(map_result_valid(name, "Imp", '/'));
	str_append_c(longname, 'x');
	name2 = map_set(&set, str_c(longname), '/', NULL);
	test_assert(map_result_valid(name2, "Imp", '/'));
	test_assert(strcmp(name, name2) != 0);
	/* cut inside multibyte characters */
	str_truncate(longname, 0);
	for (i = 0; i < 600; i++)
		str_append(longname, i % 7 == 0 ? "/\xc3\xa4" : "&AOQ-");
	name = map_set(&set, str_c(longname), '/', NULL);
	test_assert(map_result_valid(name, "Imp", '/'));
	/* a long account folder still leaves room */
	str_truncate(longname, 0);
	for (i = 0; i < 200; i++)
		str_append_c(longname, 'F');
	set.dest = t_strdup(str_c(longname));
	name = map_set(&set, "Work/x", '/', NULL);
	test_assert_strcmp(name, t_strconcat(set.dest, "/Work/x", NULL));

	/* at the top level: never another namespace, nor INBOX */
	set.dest = "INBOX";
	test_assert_strcmp(map_set(&set, "shared/bob/x", '/', NULL),
			   "shared_/bob/x");
	test_assert_strcmp(map_set(&set, "public.x", '.', NULL), "public_/x");
	test_assert_strcmp(map_set(&set, "Public", '.', NULL), "Public_");
	test_assert_strcmp(map_set(&set, "INBOX.INBOX", '.', "INBOX."),
			   "INBOX_");
	test_assert_strcmp(map_set(&set, "Sharedx/y", '/', NULL),
			   "Sharedx/y");
	/* under a folder they are just names */
	set.dest = "Imp";
	test_assert_strcmp(map_set(&set, "shared/bob", '/', NULL),
			   "Imp/shared/bob");
	/* a prefixed local namespace: the top level is inside it */
	set.dest = "INBOX";
	set.local_prefix = "INBOX/";
	test_assert_strcmp(map_set(&set, "Work", '.', NULL), "INBOX/Work");
	test_end();
}

static void test_retrieve_imap_folder_map_prefix(void)
{
	struct retrieve_imap_folder_map_settings set;

	test_begin("retrieve_imap_folder_map namespace prefix");
	i_zero(&set);
	set.method = RETRIEVE_FOLDERS_MIRROR;
	set.dest = "Imported";
	set.local_sep = '/';
	set.local_prefix = "";
	/* Courier's INBOX. */
	test_assert_strcmp(map_set(&set, "INBOX.Work", '.', "INBOX."),
			   "Imported/Work");
	test_assert_strcmp(map_set(&set, "INBOX.Work.Sub", '.', "INBOX."),
			   "Imported/Work/Sub");
	test_assert_strcmp(map_set(&set, "INBOX", '.', "INBOX."), "Imported");
	/* outside the prefix: as it is */
	test_assert_strcmp(map_set(&set, "Other.x", '.', "INBOX."),
			   "Imported/Other/x");
	test_assert_strcmp(map_set(&set, "Mail/Work", '/', "Mail/"),
			   "Imported/Work");
	set.dest = "INBOX";
	test_assert_strcmp(map_set(&set, "INBOX.Work", '.', "INBOX."), "Work");
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_imap_folder_is_inbox,
		test_retrieve_imap_folder_excluded,
		test_retrieve_imap_folder_map,
		test_retrieve_imap_folder_name_utf8,
		test_retrieve_imap_folder_display,
		test_retrieve_imap_folder_prefix,
		test_retrieve_imap_folder_well_known,
		test_retrieve_imap_folder_map_hostile,
		test_retrieve_imap_folder_map_prefix,
		NULL
	};
	return test_run(test_functions);
}
