/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "str.h"
#include "sha2.h"
#include "hmac.h"
#include "safe-memset.h"
#include "randgen.h"
#include "hex-binary.h"
#include "safe-mkstemp.h"
#include "write-full.h"
#include "retrieve-settings.h"
#include "retrieve-state.h"
#include "retrieve-state-pause.h"

#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#define RETRIEVE_PAUSE_SUFFIX ".pause"
/* The pause markers' HMAC key, one per state directory */
#define RETRIEVE_PAUSE_KEY_NAME "pause.key"
#define RETRIEVE_PAUSE_KEY_SIZE 32
/* "2<TAB><hex HMAC-SHA256>"; version 1 was "<salt><TAB><hex SHA-256>" */
#define RETRIEVE_PAUSE_MARKER_VERSION "2"

static const char *
retrieve_state_pause_path(const struct retrieve_global_settings *global,
			  const struct retrieve_account_settings *set)
{
	return t_strconcat(global->state_dir, "/",
			   retrieve_account_identity(set),
			   RETRIEVE_PAUSE_SUFFIX, NULL);
}

static const char *
retrieve_state_pause_key_path(const struct retrieve_global_settings *global)
{
	return t_strconcat(global->state_dir, "/", RETRIEVE_PAUSE_KEY_NAME,
			   NULL);
}

/* Reads the key. Returns 1 with it, 0 when there is none (or it is not
   a key: then a new one replaces it), -1 on error. */
static int
retrieve_state_pause_key_read(const char *path,
			      unsigned char key_r[RETRIEVE_PAUSE_KEY_SIZE],
			      const char **error_r)
{
	struct stat st;
	ssize_t ret;
	int fd;

	/* never follow a link or block on a FIFO someone put there */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ENOENT || errno == ELOOP)
			return 0;
		*error_r = t_strdup_printf("open(%s) failed: %m", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m", path);
		i_close_fd(&fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != RETRIEVE_PAUSE_KEY_SIZE) {
		i_close_fd(&fd);
		return 0;
	}
	ret = read(fd, key_r, RETRIEVE_PAUSE_KEY_SIZE);
	i_close_fd(&fd);
	if (ret < 0) {
		*error_r = t_strdup_printf("read(%s) failed: %m", path);
		return -1;
	}
	return ret == RETRIEVE_PAUSE_KEY_SIZE ? 1 : 0;
}

/* Reads the key, creating it (random, 0600) when there is none */
static int
retrieve_state_pause_key_get(const struct retrieve_global_settings *global,
			     unsigned char key_r[RETRIEVE_PAUSE_KEY_SIZE],
			     const char **error_r)
{
	const char *path = retrieve_state_pause_key_path(global);
	string_t *temp_path;
	int fd, ret;

	if ((ret = retrieve_state_pause_key_read(path, key_r, error_r)) != 0)
		return ret;

	random_fill(key_r, RETRIEVE_PAUSE_KEY_SIZE);
	temp_path = t_str_new(256);
	str_append(temp_path, path);
	fd = safe_mkstemp(temp_path, 0600, (uid_t)-1, (gid_t)-1);
	if (fd == -1) {
		*error_r = t_strdup_printf("safe_mkstemp(%s) failed: %m", path);
		return -1;
	}
	if (write_full(fd, key_r, RETRIEVE_PAUSE_KEY_SIZE) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %m",
					   str_c(temp_path));
		i_close_fd(&fd);
		i_unlink(str_c(temp_path));
		return -1;
	}
	i_close_fd(&fd);
	/* rename() replaces what is not a key; a run that created one at
	   the same moment wins only if it was first (either key is fine:
	   the marker is written right after with the one on disk) */
	if (rename(str_c(temp_path), path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %m",
					   str_c(temp_path), path);
		i_unlink(str_c(temp_path));
		return -1;
	}
	return 1;
}

/* HMAC-SHA256 under the state directory's key: whoever reads a marker
   (a backup, another local user through a lax mode) can't test password
   guesses against it without the key */
static const char *
retrieve_state_pause_fingerprint(const struct retrieve_account_settings *set,
				 const unsigned char key[RETRIEVE_PAUSE_KEY_SIZE])
{
	unsigned char digest[SHA256_RESULTLEN];
	struct hmac_context ctx;
	const char *numbers;

	/* the fields one by one: no joined copy of the password */
	hmac_init(&ctx, key, RETRIEVE_PAUSE_KEY_SIZE, &hash_method_sha256);
	hmac_update(&ctx, set->url, strlen(set->url) + 1);
	hmac_update(&ctx, set->username, strlen(set->username) + 1);
	if (set->password != NULL)
		hmac_update(&ctx, set->password, strlen(set->password));
	if (set->oauth2 != NULL) {
		/* a new refresh token (re-authorised) or provider is a
		   change; password accounts' markers stay as they were */
		hmac_update(&ctx, "\noauth2\n", 8);
		hmac_update(&ctx, set->oauth2->provider,
			    strlen(set->oauth2->provider) + 1);
		hmac_update(&ctx, set->oauth2->user,
			    strlen(set->oauth2->user) + 1);
		hmac_update(&ctx, set->oauth2->refresh_token,
			    strlen(set->oauth2->refresh_token));
	}
	numbers = t_strdup_printf("\n%d\n%d\n%d", set->ssl_mode,
				  set->ssl_verify ? 1 : 0, set->apop ? 1 : 0);
	hmac_update(&ctx, numbers, strlen(numbers) + 1);
	hmac_final(&ctx, digest);
	safe_memset(&ctx, 0, sizeof(ctx));
	return binary_to_hex(digest, sizeof(digest));
}

int retrieve_state_pause_read(const struct retrieve_global_settings *global,
			      const struct retrieve_account_settings *set,
			      enum retrieve_state_pause_marker *marker_r,
			      const char **error_r)
{
	const char *path = retrieve_state_pause_path(global, set);
	const char *const *args, *fingerprint;
	unsigned char key[RETRIEVE_PAUSE_KEY_SIZE];
	char buf[256];
	ssize_t ret;
	int fd;

	*marker_r = RETRIEVE_STATE_PAUSE_MARKER_NONE;
	fd = retrieve_state_file_open(path, O_RDONLY, 0, error_r);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP || errno == EINVAL) {
			/* a symlink or a FIFO is no marker of ours: one more
			   try, never paused (or wedged) by it */
			*marker_r = RETRIEVE_STATE_PAUSE_MARKER_CHANGED;
			return 0;
		}
		return -1;
	}
	ret = read(fd, buf, sizeof(buf) - 1);
	i_close_fd(&fd);
	if (ret < 0) {
		*error_r = t_strdup_printf("read(%s) failed: %m", path);
		return -1;
	}
	buf[ret] = '\0';
	args = t_strsplit(t_strcut(buf, '\n'), "\t");
	/* A damaged marker, a version 1 marker (salted SHA-256) or a lost
	   key counts as "changed": one more try, never a pause forever */
	*marker_r = RETRIEVE_STATE_PAUSE_MARKER_CHANGED;
	if (str_array_length(args) != 2 ||
	    strcmp(args[0], RETRIEVE_PAUSE_MARKER_VERSION) != 0)
		return 0;
	ret = retrieve_state_pause_key_read(
		retrieve_state_pause_key_path(global), key, error_r);
	if (ret <= 0)
		return ret < 0 ? -1 : 0;
	fingerprint = retrieve_state_pause_fingerprint(set, key);
	safe_memset(key, 0, sizeof(key));
	if (strlen(args[1]) == strlen(fingerprint) &&
	    mem_equals_timing_safe(args[1], fingerprint, strlen(fingerprint)))
		*marker_r = RETRIEVE_STATE_PAUSE_MARKER_SAME;
	return 0;
}

int retrieve_state_pause_write(const struct retrieve_global_settings *global,
			       const struct retrieve_account_settings *set,
			       const char **error_r)
{
	const char *path = retrieve_state_pause_path(global, set);
	unsigned char key[RETRIEVE_PAUSE_KEY_SIZE];
	const char *line;
	string_t *temp_path;
	int fd;

	if (retrieve_state_pause_key_get(global, key, error_r) < 0)
		return -1;
	line = t_strdup_printf(RETRIEVE_PAUSE_MARKER_VERSION"\t%s\n",
			       retrieve_state_pause_fingerprint(set, key));
	safe_memset(key, 0, sizeof(key));

	temp_path = t_str_new(256);
	str_append(temp_path, path);
	fd = safe_mkstemp(temp_path, 0600, (uid_t)-1, (gid_t)-1);
	if (fd == -1) {
		*error_r = t_strdup_printf("safe_mkstemp(%s) failed: %m",
					   path);
		return -1;
	}
	if (write_full(fd, line, strlen(line)) < 0) {
		*error_r = t_strdup_printf("write(%s) failed: %m",
					   str_c(temp_path));
		i_close_fd(&fd);
		i_unlink(str_c(temp_path));
		return -1;
	}
	i_close_fd(&fd);
	if (rename(str_c(temp_path), path) < 0) {
		*error_r = t_strdup_printf("rename(%s, %s) failed: %m",
					   str_c(temp_path), path);
		i_unlink(str_c(temp_path));
		return -1;
	}
	return 0;
}

int retrieve_state_pause_remove(const struct retrieve_global_settings *global,
				const struct retrieve_account_settings *set,
				const char **error_r)
{
	const char *path = retrieve_state_pause_path(global, set);

	if (unlink(path) < 0 && errno != ENOENT) {
		*error_r = t_strdup_printf("unlink(%s) failed: %m", path);
		return -1;
	}
	return 0;
}
