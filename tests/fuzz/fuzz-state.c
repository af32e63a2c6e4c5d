/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

/* The state file, journal and status file parsers: the input is written
   to <identity>.state, what follows a line "%%journal%%" to
   <identity>.log and what follows a line "%%status%%" (at the end) to
   <identity>.status in a private temporary directory; then the state is
   read the way doveadm status reads it, opened the way a run does, used
   and committed. */

#include "lib.h"
#include "unlink-directory.h"
#include "write-full.h"
#include "retrieve-state.h"
#include "fuzz-common.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#define FUZZ_IDENTITY "pop3-fuzz@example.org"
#define FUZZ_SEPARATOR "\n%%journal%%\n"
#define FUZZ_STATUS_SEPARATOR "\n%%status%%\n"

/* on tmpfs where there is one: commits fdatasync() */
static char fuzz_dir_shm[] = "/dev/shm/retrieve-fuzz-state.XXXXXX";
static char fuzz_dir_tmp[] = "/tmp/retrieve-fuzz-state.XXXXXX";
static const char *fuzz_dir;

static void fuzz_write(const char *suffix, const uint8_t *data, size_t size)
{
	const char *path = t_strconcat(fuzz_dir, "/", FUZZ_IDENTITY,
				       suffix, NULL);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1)
		i_fatal("open(%s) failed: %m", path);
	if (write_full(fd, data, size) < 0)
		i_fatal("write(%s) failed: %m", path);
	i_close_fd(&fd);
}

static void fuzz_clean(void)
{
	const char *const suffixes[] = {
		".state", ".log", ".lock", ".status"
	};
	unsigned int i;

	for (i = 0; i < N_ELEMENTS(suffixes); i++) {
		i_unlink_if_exists(t_strconcat(fuzz_dir, "/", FUZZ_IDENTITY,
					       suffixes[i], NULL));
	}
}

static void fuzz_cleanup_dir(void)
{
	const char *error;

	(void)unlink_directory(fuzz_dir, UNLINK_DIRECTORY_FLAG_RMDIR, &error);
}

int LLVMFuzzerInitialize(int *argc ATTR_UNUSED, char ***argv ATTR_UNUSED)
{
	fuzz_lib_init();
	fuzz_dir = mkdtemp(fuzz_dir_shm);
	if (fuzz_dir == NULL)
		fuzz_dir = mkdtemp(fuzz_dir_tmp);
	if (fuzz_dir == NULL)
		i_fatal("mkdtemp(%s) failed: %m", fuzz_dir_tmp);
	atexit(fuzz_cleanup_dir);
	return 0;
}

/* A run records what a server sent: a UID and a fingerprint (Message-ID)
   from the input itself, any bytes and length, must not make the
   committed state unreadable. */
static void fuzz_use_state(struct retrieve_state *state,
			   const uint8_t *data, size_t size)
{
	struct retrieve_state_status status;
	const char *const *folders;
	const char *error;
	pool_t pool = pool_alloconly_create("fuzz state", 1024);

	retrieve_state_get_status(state, &status);
	folders = retrieve_state_get_folders(state, pool);
	for (; *folders != NULL; folders++) {
		(void)retrieve_state_get_fingerprints(state, *folders, pool);
		(void)retrieve_state_get_uidvalidity(state, *folders);
		(void)retrieve_state_have_uid(state, *folders, "1");
		/* marks the folder absent, or forgets it when the file
		   marked it already */
		(void)retrieve_state_mark_folder_absent(state, *folders);
	}
	retrieve_state_mark_folder_listed(state, "INBOX");
	const char *remote = t_strndup(data, size);

	if (retrieve_state_add_uid_fingerprint(state, "INBOX", "42",
					       "10 <fuzz@example.org>",
					       &error) < 0)
		i_error("add_uid: %s", error);
	if (remote[0] != '\0' &&
	    retrieve_state_add_uid_fingerprint(state, "INBOX", remote,
					       t_strconcat("10 ", remote, NULL),
					       &error) < 0)
		i_error("add_uid: %s", error);
	/* a batch: pending records with the remote's bytes, then its uid
	   records; replayed ones are resolved as a run does */
	struct retrieve_state_pending msgs[2];
	const struct retrieve_state_pending *unresolved;
	unsigned int count;

	unresolved = retrieve_state_get_unresolved(state, &count);
	if (count > 0 &&
	    retrieve_state_add_uids(state, unresolved, 1, &error) < 0)
		i_error("add_uids: %s", error);
	retrieve_state_clear_unresolved(state);
	i_zero(&msgs);
	msgs[0].folder = "";
	msgs[0].uid = "43";
	msgs[0].local_folder = remote;
	msgs[0].guid = "00112233445566778899aabbccddeeff";
	msgs[1].folder = remote;
	msgs[1].uid = remote[0] != '\0' ? remote : "44";
	msgs[1].fingerprint = remote;
	msgs[1].local_folder = "INBOX";
	msgs[1].guid = remote;
	msgs[1].uid_min = size;
	if (retrieve_state_add_pending(state, msgs, 2, &error) < 0 ||
	    retrieve_state_add_uids(state, msgs, 2, &error) < 0)
		i_error("batch: %s", error);
	retrieve_state_set_result(state, 1700000000, 5,
				  RETRIEVE_RESULT_OK, NULL, NULL, 1, 10);
	if (retrieve_state_commit(state, &error) < 0)
		i_error("commit: %s", error);
	pool_unref(&pool);
}

static const uint8_t *
fuzz_find(const uint8_t *data, size_t size, const char *needle)
{
	size_t i, len = strlen(needle);

	for (i = 0; i + len <= size; i++) {
		if (memcmp(data + i, needle, len) == 0)
			return data + i;
	}
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep;
	size_t state_size = size;

	T_BEGIN {
		struct retrieve_state_status status;
		const struct retrieve_state_folder_status *fstatus;
		struct retrieve_state *state;
		const char *error;
		unsigned int count;
		pool_t pool;

		sep = fuzz_find(data, size, FUZZ_STATUS_SEPARATOR);
		if (sep != NULL) {
			fuzz_write(".status", sep + strlen(FUZZ_STATUS_SEPARATOR),
				   size - (sep - data) -
				   strlen(FUZZ_STATUS_SEPARATOR));
			size = sep - data + 1;
			state_size = size;
		}
		sep = fuzz_find(data, size, FUZZ_SEPARATOR);
		if (sep != NULL) {
			state_size = sep - data + 1;
			fuzz_write(".log", sep + strlen(FUZZ_SEPARATOR),
				   size - state_size -
				   (strlen(FUZZ_SEPARATOR) - 1));
		}
		fuzz_write(".state", data, state_size);

		pool = pool_alloconly_create("fuzz status", 1024);
		(void)retrieve_state_read_folders(fuzz_dir, FUZZ_IDENTITY,
						  pool, &status, &fstatus,
						  &count, &error);
		pool_unref(&pool);
		if (retrieve_state_open(fuzz_dir, FUZZ_IDENTITY,
					&state, &error) == 1) {
			fuzz_use_state(state, data, size);
			retrieve_state_close(&state);
			/* what was committed must read back */
			if (retrieve_state_open(fuzz_dir, FUZZ_IDENTITY,
						&state, &error) != 1)
				i_panic("committed state unreadable: %s", error);
			retrieve_state_close(&state);
		}
		fuzz_clean();

		/* a fresh state, the input recorded as a message's UID and
		   fingerprint, committed, must read back, whatever its
		   length */
		if (retrieve_state_open(fuzz_dir, FUZZ_IDENTITY,
					&state, &error) != 1)
			i_panic("new state: %s", error);
		else {
			fuzz_use_state(state, data, size);
			retrieve_state_close(&state);
			if (retrieve_state_open(fuzz_dir, FUZZ_IDENTITY,
						&state, &error) != 1)
				i_panic("committed state unreadable: %s",
					error);
			retrieve_state_close(&state);
			fuzz_clean();
		}
	} T_END;
	return 0;
}
