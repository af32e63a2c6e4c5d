/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "llist.h"
#include "file-lock.h"
#include "retrieve-state-private.h"

#include <fcntl.h>
#include <sys/stat.h>

/* fcntl() locks are per process, and closing any descriptor of the lock
   file drops them, so a second open in this process is refused by
   comparing against the states already open instead. */
static struct retrieve_state *retrieve_states_open = NULL;

int retrieve_state_file_open(const char *path, int flags, mode_t mode,
			     const char **error_r)
{
	struct stat st;
	int fd;

	/* Never through a symlink (it could point anywhere the process may
	   write), never blocking on a FIFO or device */
	fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd == -1) {
		if (errno == ELOOP) {
			*error_r = t_strdup_printf("open(%s) failed: "
				"it is a symbolic link", path);
			errno = ELOOP;
		} else {
			*error_r = t_strdup_printf("open(%s) failed: %m", path);
		}
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m", path);
		i_close_fd(&fd);
		errno = EIO;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = t_strdup_printf("open(%s) failed: "
					   "not a regular file", path);
		i_close_fd(&fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static bool
retrieve_state_is_open_here(const char *lock_path)
{
	struct retrieve_state *state;
	struct stat st;

	/* stat(), not open(): see retrieve_states_open */
	if (stat(lock_path, &st) < 0)
		return FALSE;
	for (state = retrieve_states_open; state != NULL; state = state->next) {
		if (state->lock_dev == st.st_dev && state->lock_ino == st.st_ino)
			return TRUE;
	}
	return FALSE;
}

int retrieve_state_lock(struct retrieve_state *state,
			const char **error_r)
{
	const struct file_lock_settings lock_set = {
		.lock_method = FILE_LOCK_METHOD_FCNTL,
	};
	struct stat st;
	const char *error;
	int ret;

	if (retrieve_state_is_open_here(state->lock_path)) {
		*error_r = RETRIEVE_STATE_LOCKED_ERROR;
		return 0;
	}

	state->lock_fd = retrieve_state_file_open(state->lock_path,
						  O_RDWR | O_CREAT, 0600,
						  error_r);
	if (state->lock_fd == -1)
		return -1;
	if (fstat(state->lock_fd, &st) < 0) {
		*error_r = t_strdup_printf("fstat(%s) failed: %m",
					   state->lock_path);
		return -1;
	}
	state->lock_dev = st.st_dev;
	state->lock_ino = st.st_ino;

	ret = file_try_lock(state->lock_fd, state->lock_path, F_WRLCK,
			    &lock_set, &state->lock, &error);
	if (ret < 0) {
		*error_r = error;
		return -1;
	}
	if (ret == 0) {
		*error_r = RETRIEVE_STATE_LOCKED_ERROR;
		return 0;
	}
	DLLIST_PREPEND(&retrieve_states_open, state);
	return 1;
}

void retrieve_state_unlock(struct retrieve_state *state)
{
	if (state->lock != NULL) {
		DLLIST_REMOVE(&retrieve_states_open, state);
		file_unlock(&state->lock);
	}
	i_close_fd(&state->lock_fd);
}
