/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "hash.h"
#include "llist.h"
#include "ioloop.h"
#include "priorityq.h"
#include "retrieve-service-settings.h"
#include "retrieve-queue.h"

/* A user logging in with many connections at once (IMAP clients open
   several) costs one worker lookup, not one per connection */
#define RETRIEVE_QUEUE_LOGIN_MIN_SECS 10
/* Timers further out than this are re-armed; keeps msecs in range */
#define RETRIEVE_QUEUE_MAX_TIMER_SECS 3600
/* A login notice the userdb refused (no such user, or the sender's uid is
   not the user's) is ignored for this long when it comes again */
#define RETRIEVE_QUEUE_LOGIN_REFUSED_SECS 60
/* Bounds the marks above (any local process can send notices): when
   full, expired marks go, and if that is not enough, all of them */
#define RETRIEVE_QUEUE_MAX_LOGIN_MARKS 10000

/* A login notice seen recently (rate limit) or refused (negative cache).
   The key holds the kind, the sender ("" when trusted, else its uid) and
   the user: a sender can never mute another sender's notices. */
struct retrieve_queue_login_mark {
	char *key;
	time_t until;
};

struct retrieve_queue_host {
	char *name;
	/* accounts pointing here plus jobs holding a slot here */
	unsigned int refcount;
	unsigned int running;
	/* due accounts waiting for a connection slot on this host */
	struct retrieve_queue_entry *wait_head, *wait_tail;
};

struct retrieve_queue_entry {
	/* first: the priority queue works on these */
	struct priorityq_item item;
	struct retrieve_queue_account pub;

	struct retrieve_queue_user *user;
	struct retrieve_queue_host *host;
	/* the host whose slot the running job holds */
	struct retrieve_queue_host *running_host;
	struct retrieve_queue_entry *wait_prev, *wait_next;

	char *username;
	char *key;
	time_t next_due;

	bool queued:1;
	bool waiting:1;
	bool running:1;
	bool seen:1;
	/* removed while running: freed when the job ends */
	bool removed:1;
};

struct retrieve_queue_user {
	char *username;
	ARRAY(struct retrieve_queue_entry *) accounts;
	/* the scan generation that last saw the user */
	unsigned int generation;
};

struct retrieve_queue {
	const struct retrieve_service_settings *set;
	retrieve_queue_run_callback_t *run_callback;
	void *context;

	HASH_TABLE(char *, struct retrieve_queue_user *) users;
	HASH_TABLE(char *, struct retrieve_queue_host *) hosts;
	HASH_TABLE(char *, struct retrieve_queue_login_mark *) login_marks;
	struct priorityq *pq;
	struct timeout *to_dispatch;
	bool dispatch_pending;

	unsigned int generation;
	bool scanning;
	unsigned int account_count;
	unsigned int running;
};

static int retrieve_queue_entry_cmp(const void *p1, const void *p2)
{
	const struct retrieve_queue_entry *a1 = p1, *a2 = p2;

	if (a1->next_due < a2->next_due)
		return -1;
	if (a1->next_due > a2->next_due)
		return 1;
	return 0;
}

struct retrieve_queue *
retrieve_queue_init(const struct retrieve_service_settings *set,
		    retrieve_queue_run_callback_t *run_callback,
		    void *context)
{
	struct retrieve_queue *queue;

	queue = i_new(struct retrieve_queue, 1);
	queue->set = set;
	queue->run_callback = run_callback;
	queue->context = context;
	hash_table_create(&queue->users, default_pool, 0, str_hash, strcmp);
	hash_table_create(&queue->hosts, default_pool, 0,
			  strcase_hash, strcasecmp);
	hash_table_create(&queue->login_marks, default_pool, 0,
			  str_hash, strcmp);
	queue->pq = priorityq_init(retrieve_queue_entry_cmp, 128);
	return queue;
}

static struct retrieve_queue_host *
retrieve_queue_host_ref(struct retrieve_queue *queue, const char *name)
{
	struct retrieve_queue_host *host;

	host = hash_table_lookup(queue->hosts, name);
	if (host == NULL) {
		host = i_new(struct retrieve_queue_host, 1);
		host->name = i_strdup(name);
		hash_table_insert(queue->hosts, host->name, host);
	}
	host->refcount++;
	return host;
}

static void
retrieve_queue_host_unref(struct retrieve_queue *queue,
			  struct retrieve_queue_host **_host)
{
	struct retrieve_queue_host *host = *_host;

	*_host = NULL;
	i_assert(host->refcount > 0);
	if (--host->refcount > 0)
		return;
	i_assert(host->running == 0 && host->wait_head == NULL);
	hash_table_remove(queue->hosts, host->name);
	i_free(host->name);
	i_free(host);
}

static void retrieve_queue_dispatch(struct retrieve_queue *queue);

/* Dispatching once after a burst of reports (a scan brings thousands) */
static void retrieve_queue_kick(struct retrieve_queue *queue)
{
	if (queue->dispatch_pending)
		return;
	queue->dispatch_pending = TRUE;
	timeout_remove(&queue->to_dispatch);
	queue->to_dispatch = timeout_add_short(0, retrieve_queue_dispatch,
					       queue);
}

static void
retrieve_queue_entry_unqueue(struct retrieve_queue *queue,
			     struct retrieve_queue_entry *account)
{
	if (account->queued) {
		priorityq_remove(queue->pq, &account->item);
		account->queued = FALSE;
	}
	if (account->waiting) {
		DLLIST2_REMOVE_FULL(&account->host->wait_head,
				    &account->host->wait_tail, account,
				    wait_prev, wait_next);
		account->waiting = FALSE;
	}
}

static void
retrieve_queue_entry_enqueue(struct retrieve_queue *queue,
			     struct retrieve_queue_entry *account)
{
	i_assert(!account->running && !account->removed);

	retrieve_queue_entry_unqueue(queue, account);
	priorityq_add(queue->pq, &account->item);
	account->queued = TRUE;
	retrieve_queue_kick(queue);
}

static void
retrieve_queue_entry_free(struct retrieve_queue *queue,
			  struct retrieve_queue_entry *account)
{
	i_assert(!account->running);

	retrieve_queue_host_unref(queue, &account->host);
	i_free(account->username);
	i_free(account->key);
	i_free(account);
}

static void
retrieve_queue_entry_remove(struct retrieve_queue *queue,
			    struct retrieve_queue_entry *account)
{
	retrieve_queue_entry_unqueue(queue, account);
	account->user = NULL;
	i_assert(queue->account_count > 0);
	queue->account_count--;
	if (account->running)
		account->removed = TRUE;
	else
		retrieve_queue_entry_free(queue, account);
}

static void
retrieve_queue_entry_start(struct retrieve_queue *queue,
			   struct retrieve_queue_entry *account)
{
	account->running = TRUE;
	account->running_host = account->host;
	account->running_host->refcount++;
	account->running_host->running++;
	queue->running++;
	e_debug(retrieve_service_event, "Running account %s of user %s (%s)",
		account->key, account->username, account->host->name);
	queue->run_callback(&account->pub, queue->context);
}

static void retrieve_queue_dispatch(struct retrieve_queue *queue)
{
	struct retrieve_queue_entry *account;
	struct priorityq_item *item;
	time_t secs;

	queue->dispatch_pending = FALSE;
	timeout_remove(&queue->to_dispatch);

	while (queue->running < queue->set->max_parallel &&
	       (item = priorityq_peek(queue->pq)) != NULL) {
		account = (struct retrieve_queue_entry *)item;
		if (account->next_due > ioloop_time)
			break;
		priorityq_remove(queue->pq, item);
		account->queued = FALSE;
		if (account->host->running >= queue->set->max_per_host) {
			/* its turn comes when a run on this host ends */
			DLLIST2_APPEND_FULL(&account->host->wait_head,
					    &account->host->wait_tail,
					    account, wait_prev, wait_next);
			account->waiting = TRUE;
			continue;
		}
		retrieve_queue_entry_start(queue, account);
	}

	/* A run that ended during the loop kicked another dispatch: that
	   0 ms timer stays the only one (never overwritten, so never
	   leaked to fire forever). */
	if (queue->dispatch_pending)
		return;
	/* with every slot busy the next finished run dispatches */
	if (queue->running >= queue->set->max_parallel ||
	    (item = priorityq_peek(queue->pq)) == NULL)
		return;
	account = (struct retrieve_queue_entry *)item;
	secs = account->next_due - ioloop_time;
	if (secs < 1)
		secs = 1;
	if (secs > RETRIEVE_QUEUE_MAX_TIMER_SECS)
		secs = RETRIEVE_QUEUE_MAX_TIMER_SECS;
	queue->to_dispatch = timeout_add(secs * 1000,
					 retrieve_queue_dispatch, queue);
}

static struct retrieve_queue_user *
retrieve_queue_user_get(struct retrieve_queue *queue, const char *username)
{
	struct retrieve_queue_user *user;

	user = hash_table_lookup(queue->users, username);
	if (user == NULL) {
		user = i_new(struct retrieve_queue_user, 1);
		user->username = i_strdup(username);
		i_array_init(&user->accounts, 2);
		user->generation = queue->generation;
		hash_table_insert(queue->users, user->username, user);
	}
	return user;
}

static void
retrieve_queue_user_free(struct retrieve_queue *queue,
			 struct retrieve_queue_user *user)
{
	struct retrieve_queue_entry *account;

	array_foreach_elem(&user->accounts, account)
		retrieve_queue_entry_remove(queue, account);
	hash_table_remove(queue->users, user->username);
	array_free(&user->accounts);
	i_free(user->username);
	i_free(user);
}

static struct retrieve_queue_entry *
retrieve_queue_user_find_entry(struct retrieve_queue_user *user,
			       const char *key)
{
	struct retrieve_queue_entry *account;

	array_foreach_elem(&user->accounts, account) {
		if (strcmp(account->key, key) == 0)
			return account;
	}
	return NULL;
}

void retrieve_queue_user_begin(struct retrieve_queue *queue,
			       const char *username)
{
	struct retrieve_queue_user *user =
		retrieve_queue_user_get(queue, username);
	struct retrieve_queue_entry *account;

	user->generation = queue->generation;
	array_foreach_elem(&user->accounts, account)
		account->seen = FALSE;
}

void retrieve_queue_account_update(struct retrieve_queue *queue,
				   const char *username, const char *key,
				   const char *host, time_t next_due,
				   bool login_due)
{
	struct retrieve_queue_user *user =
		retrieve_queue_user_get(queue, username);
	struct retrieve_queue_entry *account;

	account = retrieve_queue_user_find_entry(user, key);
	if (account == NULL) {
		account = i_new(struct retrieve_queue_entry, 1);
		account->user = user;
		account->username = i_strdup(username);
		account->key = i_strdup(key);
		account->pub.username = account->username;
		account->pub.key = account->key;
		account->host = retrieve_queue_host_ref(queue, host);
		account->pub.host = account->host->name;
		array_push_back(&user->accounts, &account);
		queue->account_count++;
	} else if (strcasecmp(account->host->name, host) != 0) {
		/* a running job keeps its slot on the old host */
		retrieve_queue_entry_unqueue(queue, account);
		retrieve_queue_host_unref(queue, &account->host);
		account->host = retrieve_queue_host_ref(queue, host);
		account->pub.host = account->host->name;
	}
	account->seen = TRUE;
	if (login_due && next_due > ioloop_time)
		next_due = ioloop_time;
	if (account->waiting && next_due <= ioloop_time) {
		/* already due and waiting for its host */
		return;
	}
	account->next_due = next_due;
	if (!account->running)
		retrieve_queue_entry_enqueue(queue, account);
}

void retrieve_queue_user_end(struct retrieve_queue *queue,
			     const char *username)
{
	struct retrieve_queue_user *user;
	struct retrieve_queue_entry *account;
	unsigned int i;

	user = hash_table_lookup(queue->users, username);
	if (user == NULL)
		return;
	for (i = 0; i < array_count(&user->accounts); ) {
		account = array_idx_elem(&user->accounts, i);
		if (account->seen)
			i++;
		else {
			array_delete(&user->accounts, i, 1);
			retrieve_queue_entry_remove(queue, account);
		}
	}
	if (array_count(&user->accounts) == 0)
		retrieve_queue_user_free(queue, user);
}

void retrieve_queue_user_remove(struct retrieve_queue *queue,
				const char *username)
{
	struct retrieve_queue_user *user;

	user = hash_table_lookup(queue->users, username);
	if (user != NULL) {
		e_debug(retrieve_service_event, "User %s is gone from the userdb",
			username);
		retrieve_queue_user_free(queue, user);
	}
}

void retrieve_queue_user_keep(struct retrieve_queue *queue,
			      const char *username)
{
	struct retrieve_queue_user *user;

	user = hash_table_lookup(queue->users, username);
	if (user != NULL)
		user->generation = queue->generation;
}

void retrieve_queue_account_finished(struct retrieve_queue *queue,
				     struct retrieve_queue_account *pub,
				     unsigned int retry_secs)
{
	struct retrieve_queue_entry *account =
		container_of(pub, struct retrieve_queue_entry, pub);
	struct retrieve_queue_host *host = account->running_host;
	struct retrieve_queue_entry *next;

	i_assert(account->running);
	account->running = FALSE;
	i_assert(host->running > 0 && queue->running > 0);
	host->running--;
	queue->running--;

	/* the waiting account that was due first gets the slot */
	next = host->wait_head;
	if (next != NULL) {
		DLLIST2_REMOVE_FULL(&host->wait_head, &host->wait_tail,
				    next, wait_prev, wait_next);
		next->waiting = FALSE;
		priorityq_add(queue->pq, &next->item);
		next->queued = TRUE;
	}
	retrieve_queue_host_unref(queue, &account->running_host);

	if (account->removed)
		retrieve_queue_entry_free(queue, account);
	else {
		/* the floor: never twice within retry_secs, whatever the
		   worker reported (or failed to) */
		if (account->next_due < ioloop_time + (time_t)retry_secs)
			account->next_due = ioloop_time + retry_secs;
		retrieve_queue_entry_enqueue(queue, account);
	}
	retrieve_queue_kick(queue);
}

void retrieve_queue_scan_begin(struct retrieve_queue *queue)
{
	i_assert(!queue->scanning);
	queue->scanning = TRUE;
	queue->generation++;
}

void retrieve_queue_scan_end(struct retrieve_queue *queue, bool success)
{
	ARRAY(struct retrieve_queue_user *) gone;
	struct hash_iterate_context *iter;
	struct retrieve_queue_user *user;
	char *username;

	i_assert(queue->scanning);
	queue->scanning = FALSE;
	if (!success)
		return;

	t_array_init(&gone, 16);
	iter = hash_table_iterate_init(queue->users);
	while (hash_table_iterate(iter, queue->users, &username, &user)) {
		if (user->generation != queue->generation)
			array_push_back(&gone, &user);
	}
	hash_table_iterate_deinit(&iter);
	array_foreach_elem(&gone, user) {
		e_debug(retrieve_service_event, "User %s no longer in the userdb "
			"(or without accounts)", user->username);
		retrieve_queue_user_free(queue, user);
	}
}

static void
retrieve_queue_login_mark_free(struct retrieve_queue *queue,
			       struct retrieve_queue_login_mark *mark)
{
	hash_table_remove(queue->login_marks, mark->key);
	i_free(mark->key);
	i_free(mark);
}

static void
retrieve_queue_login_marks_purge(struct retrieve_queue *queue, bool all)
{
	ARRAY(struct retrieve_queue_login_mark *) old;
	struct hash_iterate_context *iter;
	struct retrieve_queue_login_mark *mark;
	char *key;

	t_array_init(&old, 64);
	iter = hash_table_iterate_init(queue->login_marks);
	while (hash_table_iterate(iter, queue->login_marks, &key, &mark)) {
		if (all || mark->until <= ioloop_time)
			array_push_back(&old, &mark);
	}
	hash_table_iterate_deinit(&iter);
	array_foreach_elem(&old, mark)
		retrieve_queue_login_mark_free(queue, mark);
}

static const char *
retrieve_queue_login_mark_key(char kind, const char *sender,
			      const char *username)
{
	return t_strdup_printf("%c%s\t%s", kind, sender == NULL ? "" : sender,
			       username);
}

static bool retrieve_queue_login_mark_active(struct retrieve_queue *queue,
					     const char *key)
{
	struct retrieve_queue_login_mark *mark;

	mark = hash_table_lookup(queue->login_marks, key);
	if (mark == NULL)
		return FALSE;
	if (mark->until > ioloop_time)
		return TRUE;
	retrieve_queue_login_mark_free(queue, mark);
	return FALSE;
}

static void retrieve_queue_login_mark_set(struct retrieve_queue *queue,
					  const char *key, unsigned int secs)
{
	struct retrieve_queue_login_mark *mark;

	mark = hash_table_lookup(queue->login_marks, key);
	if (mark == NULL) {
		if (hash_table_count(queue->login_marks) >=
		    RETRIEVE_QUEUE_MAX_LOGIN_MARKS) T_BEGIN {
			retrieve_queue_login_marks_purge(queue, FALSE);
			if (hash_table_count(queue->login_marks) >=
			    RETRIEVE_QUEUE_MAX_LOGIN_MARKS)
				retrieve_queue_login_marks_purge(queue, TRUE);
		} T_END;
		mark = i_new(struct retrieve_queue_login_mark, 1);
		mark->key = i_strdup(key);
		hash_table_insert(queue->login_marks, mark->key, mark);
	}
	mark->until = ioloop_time + secs;
}

bool retrieve_queue_login_allowed(struct retrieve_queue *queue,
				  const char *username, const char *sender)
{
	const char *key;

	/* no such user (for anyone), or not this sender's user */
	if (retrieve_queue_login_mark_active(queue,
			retrieve_queue_login_mark_key('N', "", username)) ||
	    retrieve_queue_login_mark_active(queue,
			retrieve_queue_login_mark_key('D', sender, username)))
		return FALSE;
	key = retrieve_queue_login_mark_key('L', sender, username);
	if (retrieve_queue_login_mark_active(queue, key))
		return FALSE;
	retrieve_queue_login_mark_set(queue, key,
				      RETRIEVE_QUEUE_LOGIN_MIN_SECS);
	return TRUE;
}

void retrieve_queue_login_refused(struct retrieve_queue *queue,
				  const char *username, const char *sender,
				  bool no_user)
{
	const char *key = no_user ?
		retrieve_queue_login_mark_key('N', "", username) :
		retrieve_queue_login_mark_key('D', sender, username);

	retrieve_queue_login_mark_set(queue, key,
				      RETRIEVE_QUEUE_LOGIN_REFUSED_SECS);
}

unsigned int retrieve_queue_count_users(struct retrieve_queue *queue)
{
	return hash_table_count(queue->users);
}

unsigned int retrieve_queue_count_accounts(struct retrieve_queue *queue)
{
	return queue->account_count;
}

void retrieve_queue_deinit(struct retrieve_queue **_queue)
{
	struct retrieve_queue *queue = *_queue;
	struct hash_iterate_context *iter;
	struct retrieve_queue_user *user;
	char *username;

	*_queue = NULL;
	timeout_remove(&queue->to_dispatch);
	/* running jobs were aborted by the pool before us */
	i_assert(queue->running == 0);
	iter = hash_table_iterate_init(queue->users);
	while (hash_table_iterate(iter, queue->users, &username, &user))
		retrieve_queue_user_free(queue, user);
	hash_table_iterate_deinit(&iter);
	T_BEGIN {
		retrieve_queue_login_marks_purge(queue, TRUE);
	} T_END;
	hash_table_destroy(&queue->login_marks);
	hash_table_destroy(&queue->users);
	hash_table_destroy(&queue->hosts);
	priorityq_deinit(&queue->pq);
	i_free(queue);
}
