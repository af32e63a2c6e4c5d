/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "test-common.h"
#include "retrieve-user.h"
#include "test-retrieve-env.h"
#include "retrieve-dovecot.h"

#define TEST_PASSWORD "Top$ecret-42"

static int
test_user_parse(const char *const *fields,
		struct retrieve_user_settings **set_r, const char **error_r)
{
	*error_r = NULL;
	return retrieve_user_settings_parse(pool_datastack_create(),
					    test_env_getenv,
					    (void *)fields, set_r, error_r);
}

static void test_retrieve_user_accounts(void)
{
	static const char *const fields[] = {
		"retrieve", "pop3://alice@pop.example.com",
		"retrieve_password", TEST_PASSWORD,
		"retrieve2", "imap://bob@imap.example.com",
		/* no password: malformed, but it stays in the list */
		"retrieve3", "imaps://carol@imap.example.org",
		"retrieve3_password", TEST_PASSWORD,
		"retrieve3_interval", "manual",
		"retrieve4", "nntp://dave@news.example.com",
		"retrieve4_password", TEST_PASSWORD,
		/* the list ends at retrieve5 */
		"retrieve6", "pop3://erin@pop.example.com",
		"retrieve6_password", TEST_PASSWORD,
		"retrieve_state_dir", "/var/lib/retrieve",
		NULL
	};
	struct retrieve_user_settings *set;
	const struct retrieve_user_account *accounts;
	const char *error;
	unsigned int count;

	test_begin("retrieve user settings: accounts and errors");
	test_assert(test_user_parse(fields, &set, &error) == 0);
	test_assert_strcmp(set->global.state_dir, "/var/lib/retrieve");
	test_assert(set->global.on_login);
	accounts = array_get(&set->accounts, &count);
	test_assert(count == 4);

	test_assert_strcmp(accounts[0].key, "retrieve");
	test_assert(accounts[0].idx == 1);
	test_assert(accounts[0].set != NULL && accounts[0].error == NULL);
	test_assert_strcmp(accounts[0].set->username, "alice");
	test_assert_strcmp(accounts[0].set->password, TEST_PASSWORD);

	test_assert_strcmp(accounts[1].key, "retrieve2");
	test_assert(accounts[1].idx == 2);
	test_assert(accounts[1].set == NULL);
	test_assert(accounts[1].error != NULL &&
		    str_begins_with(accounts[1].error, "retrieve2: password: "));

	test_assert_strcmp(accounts[2].key, "retrieve3");
	test_assert(accounts[2].set != NULL &&
		    accounts[2].set->interval_manual);
	test_assert(accounts[2].set->protocol == RETRIEVE_PROTOCOL_IMAP);

	test_assert_strcmp(accounts[3].key, "retrieve4");
	test_assert(accounts[3].set == NULL);
	test_assert(accounts[3].error != NULL &&
		    str_begins_with(accounts[3].error, "retrieve4: url: ") &&
		    strstr(accounts[3].error, TEST_PASSWORD) == NULL);
	test_end();
}

static void test_retrieve_user_named(void)
{
	static const char *const fields[] = {
		/* work listed twice counts once; "bad/name" is no name */
		"retrieve_account", "work home,work bad/name nourl",
		"retrieve_account/work/retrieve_account_url",
			"imaps://alice@imap.example.com",
		"retrieve_account/work/retrieve_account_password",
			TEST_PASSWORD,
		"retrieve_account/work/retrieve_account_folder", "Work",
		"retrieve_account/home/retrieve_account_url",
			"pop3://bob@pop.example.com",
		"retrieve_account/home/retrieve_account_password",
			TEST_PASSWORD,
		"retrieve_account/home/retrieve_account_interval", "nonsense",
		/* the 2.3 flat fields next to the list */
		"retrieve", "pop3://carol@pop.example.org",
		"retrieve_password", TEST_PASSWORD,
		NULL
	};
	static const char *const shadow[] = {
		"retrieve_account", "retrieve2",
		"retrieve_account/retrieve2/retrieve_account_url",
			"pop3://new@pop.example.com",
		"retrieve_account/retrieve2/retrieve_account_password",
			TEST_PASSWORD,
		"retrieve", "pop3://carol@pop.example.org",
		"retrieve_password", TEST_PASSWORD,
		"retrieve2", "pop3://old@pop.example.com",
		"retrieve2_password", TEST_PASSWORD,
		NULL
	};
	struct retrieve_user_settings *set;
	const struct retrieve_user_account *accounts;
	const char *error;
	unsigned int count;

	test_begin("retrieve user settings: named accounts");
	test_assert(test_user_parse(fields, &set, &error) == 0);
	accounts = array_get(&set->accounts, &count);
	test_assert(count == 5);
	if (count != 5) {
		test_end();
		return;
	}
	test_assert_strcmp(accounts[0].key, "work");
	test_assert(accounts[0].idx == 0);
	test_assert(accounts[0].set != NULL);
	test_assert_strcmp(accounts[0].set->name, "work");
	test_assert_strcmp(accounts[0].set->folder, "Work");
	test_assert_strcmp(accounts[0].set->password, TEST_PASSWORD);
	test_assert(accounts[0].set->protocol == RETRIEVE_PROTOCOL_IMAP);

	test_assert_strcmp(accounts[1].key, "home");
	test_assert(accounts[1].set == NULL);
	/* the field is named as the administrator writes it */
	test_assert(accounts[1].error != NULL &&
		    str_begins_with(accounts[1].error, "home: interval: "));

	test_assert(accounts[2].set == NULL &&
		    strstr(accounts[2].error, "invalid account name") != NULL);
	test_assert_strcmp(accounts[3].key, "nourl");
	test_assert(accounts[3].set == NULL &&
		    strstr(accounts[3].error, "retrieve_account_url") != NULL);

	test_assert_strcmp(accounts[4].key, "retrieve");
	test_assert(accounts[4].idx == 1 && accounts[4].set != NULL);
	test_assert_strcmp(accounts[4].set->username, "carol");
	test_assert(array_count(&set->shadowed_keys) == 0);

	/* a named account of a flat key's name replaces the flat one; the
	   state stays, being keyed by the remote mailbox, not the name */
	test_assert(test_user_parse(shadow, &set, &error) == 0);
	accounts = array_get(&set->accounts, &count);
	test_assert(count == 2);
	test_assert_strcmp(accounts[0].key, "retrieve2");
	test_assert(accounts[0].idx == 0 && accounts[0].set != NULL &&
		    strcmp(accounts[0].set->username, "new") == 0);
	test_assert_strcmp(accounts[1].key, "retrieve");
	test_assert(array_count(&set->shadowed_keys) == 1 &&
		    strcmp(array_idx_elem(&set->shadowed_keys, 0),
			   "retrieve2") == 0);
	test_end();
}

static void test_retrieve_user_named_missing_password(void)
{
	static const char *const fields[] = {
		"retrieve_account", "work unreadable",
		"retrieve_account/work/retrieve_account_url",
			"pop3://alice@pop.example.com",
		/* the getenv could not read its settings */
		"retrieve_account/unreadable/", "Unknown variable 'x'",
		"retrieve_account/unreadable/retrieve_account_url",
			"pop3://alice@pop.example.com",
		NULL
	};
	struct retrieve_user_settings *set;
	const struct retrieve_user_account *account;
	const char *error;

	test_begin("retrieve user settings: named account errors name the field");
	test_assert(test_user_parse(fields, &set, &error) == 0);
	test_assert(array_count(&set->accounts) == 2);
	if (array_count(&set->accounts) != 2) {
		test_end();
		return;
	}
	account = array_idx(&set->accounts, 0);
	test_assert(account->set == NULL);
	test_assert_strcmp(account->error, "work: password: missing: "
			   "set retrieve_account_password");
	account = array_idx(&set->accounts, 1);
	test_assert(account->set == NULL);
	test_assert_strcmp(account->error,
			   "unreadable: settings: Unknown variable 'x'");
	test_end();
}

static void test_retrieve_user_named_max(void)
{
	const char *fields[3] = { "retrieve_account", NULL, NULL };
	struct retrieve_user_settings *set;
	const struct retrieve_user_account *accounts;
	const char *error;
	string_t *names = t_str_new(1024);
	unsigned int i, count;

	test_begin("retrieve user settings: named accounts are bounded");
	for (i = 0; i < RETRIEVE_USER_NAMED_ACCOUNTS_MAX + 50; i++)
		str_printfa(names, "a%u ", i);
	fields[1] = str_c(names);
	test_assert(test_user_parse(fields, &set, &error) == 0);
	/* each one without a URL, then one entry saying the rest are
	   ignored */
	accounts = array_get(&set->accounts, &count);
	test_assert(count == RETRIEVE_USER_NAMED_ACCOUNTS_MAX + 1);
	test_assert(count > 0 && accounts[count - 1].error != NULL &&
		    strstr(accounts[count - 1].error,
			   "the rest are ignored") != NULL);
	test_end();
}

static void test_retrieve_user_none(void)
{
	static const char *const none[] = { "mail", "maildir:~/Maildir", NULL };
	static const char *const empty[] = {
		"retrieve", "", "retrieve2", "pop3://a@h", NULL
	};
	struct retrieve_user_settings *set;
	const char *error;

	test_begin("retrieve user settings: no accounts");
	test_assert(test_user_parse(none, &set, &error) == 0);
	test_assert(array_count(&set->accounts) == 0);
	test_assert_strcmp(set->global.state_dir, "~/.dovecot-retrieve");
	/* an empty first key ends the list at once */
	test_assert(test_user_parse(empty, &set, &error) == 0);
	test_assert(array_count(&set->accounts) == 0);
	test_end();
}

static void test_retrieve_user_global_invalid(void)
{
	static const char *const fields[] = {
		"retrieve", "pop3://alice@pop.example.com",
		"retrieve_password", TEST_PASSWORD,
		"retrieve_timeout", "forever",
		NULL
	};
	struct retrieve_user_settings *set = NULL;
	const char *error;

	test_begin("retrieve user settings: malformed global settings");
	test_assert(test_user_parse(fields, &set, &error) == -1);
	test_assert(set == NULL);
	test_assert(error != NULL &&
		    str_begins_with(error, "retrieve_timeout: invalid time"));
	test_end();
}

static void test_retrieve_user_on_login(void)
{
	static const struct {
		const char *value;
		int ret;
		bool on_login;
	} tests[] = {
		{ NULL, 0, TRUE },
		{ "yes", 0, TRUE }, { "true", 0, TRUE }, { "1", 0, TRUE },
		{ "Y", 0, TRUE },
		{ "no", 0, FALSE }, { "false", 0, FALSE }, { "0", 0, FALSE },
		{ "NO", 0, FALSE },
		{ "", -1, FALSE }, { "sometimes", -1, FALSE },
		{ "2", -1, FALSE },
	};
	struct retrieve_user_settings *set;
	const char *fields[3], *error;
	unsigned int i;
	int ret;

	test_begin("retrieve user settings: retrieve_on_login");
	for (i = 0; i < N_ELEMENTS(tests); i++) {
		fields[0] = tests[i].value == NULL ? NULL :
			"retrieve_on_login";
		fields[1] = tests[i].value;
		fields[2] = NULL;
		ret = test_user_parse(fields, &set, &error);
		test_assert_idx(ret == tests[i].ret, i);
		if (ret == 0)
			test_assert_idx(set->global.on_login ==
					tests[i].on_login, i);
		else {
			/* a clear configuration error, never "off" */
			test_assert_idx(error != NULL && str_begins_with(error,
				"retrieve_on_login: invalid boolean"), i);
		}
	}
	test_end();
}

int main(void)
{
	static void (*const test_functions[])(void) = {
		test_retrieve_user_accounts,
		test_retrieve_user_named,
		test_retrieve_user_named_missing_password,
		test_retrieve_user_named_max,
		test_retrieve_user_none,
		test_retrieve_user_global_invalid,
		test_retrieve_user_on_login,
		NULL
	};
	return test_run(test_functions);
}
