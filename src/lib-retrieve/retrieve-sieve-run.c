/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "array.h"
#include "str.h"
#include "strfuncs.h"
#include "ostream.h"
#include "smtp-address.h"
#include "smtp-params.h"
#include "mail-storage.h"
#include "mail-user.h"

#include "sieve.h"
#include "sieve-script.h"
#include "sieve-storage.h"
#include "sieve-error.h"
#include "sieve-extensions.h"
#include "sieve-execute.h"
#include "sieve-actions.h"
#include "sieve-result.h"
#include "sieve-interpreter.h"
#include "sieve-binary.h"

#include "retrieve-sieve-engine.h"
#include "retrieve-sieve-version.h"
#include "retrieve-sieve-run.h"
#include "retrieve-dovecot.h"

/* Issue 9: see doc/design.md ("Sieve run by us") and
   doc/sieve-store-study.md.

   Pigeonhole's store action opens, saves into and commits its own mailbox
   instance per message. Here Sieve runs with the script environment's
   user set to NULL, which makes every store action (keep, fileinto) a
   no-op "skipped" store. To learn what it would have stored, an implicit
   side effect is attached to all store actions of the result: its
   post_commit sees the store's transaction context (struct
   act_store_transaction: folder, and the flags and keywords imap4flags'
   side effects put there).

   The scripts run through our own sieve_result (engine-level calls from
   the installed sieve-interpreter.h and sieve-result.h), so that the
   capture side effect can be attached to it before the first script
   runs; retrieve_sieve_run_chain() keeps the implicit keep between the
   scripts of the chain the way a multiscript sequence does.

   Dependencies on Pigeonhole internals (0.5.19), none of them API:
   - struct act_store_transaction (sieve-actions.h, installed but an
     implementation struct);
   - that act_store_start() skips storing when senv->user is NULL and that
     post_commit side effects still run after a skipped store. */

/* as lda-sieve: at most this many errors per run in the user's log */
#define RETRIEVE_SIEVE_MAX_USER_ERRORS 30

/* One binary of the chain, in execution order */
struct retrieve_sieve_script {
	struct sieve_script *script;
	struct sieve_binary *sbin;
	enum sieve_compile_flags cpflags;
	enum sieve_execute_flags flags;
	/* where its errors go: the run's (not referenced here) */
	struct sieve_error_handler *ehandler;
};

/* One message's execution: our own result, carried over the chain */
struct retrieve_sieve_exec {
	pool_t pool;
	struct sieve_execute_env eenv;
	struct sieve_result *result;
	struct sieve_result_execution *rexec;
	/* SIEVE_EXEC_* of the chain so far */
	int status;
};

struct retrieve_sieve_run {
	pool_t pool;
	struct mail_user *user;
	struct event *event;

	struct sieve_instance *svinst;
	struct sieve_error_handler *ehandler;
	/* the user's log (sieve_user_log), for the personal script's
	   errors and the final execution; NULL when none */
	struct sieve_error_handler *user_ehandler;
	const struct sieve_extension *capture_ext;
	/* before, personal, after */
	ARRAY(struct retrieve_sieve_script) scripts;
	/* sieve_discard (sbin NULL: none) */
	struct retrieve_sieve_script discard;

	/* per message */
	pool_t msg_pool;
	ARRAY(struct retrieve_sieve_store) stores;
};

/* Called after each store action's commit (a no-op commit, storing is
   disabled): only committed stores count, a store that the result rolled
   back after a later failure does not */
static void
retrieve_sieve_capture_post_commit(const struct sieve_side_effect *seffect,
				   const struct sieve_action_exec_env *aenv
				   ATTR_UNUSED,
				   void *tr_context,
				   void *se_tr_context ATTR_UNUSED,
				   int commit_status)
{
	struct retrieve_sieve_run *run = seffect->context;
	const struct act_store_transaction *trans = tr_context;
	struct retrieve_sieve_store *store;

	if (trans == NULL || commit_status != SIEVE_EXEC_OK)
		return;
	store = array_append_space(&run->stores);
	store->folder = p_strdup(run->msg_pool, trans->mailbox_name);
	store->flags_altered = trans->flags_altered;
	store->flags = trans->flags;
	if (array_is_created(&trans->keywords) &&
	    array_count(&trans->keywords) > 0) {
		const char *const *kw;
		ARRAY_TYPE(const_string) copy;

		p_array_init(&copy, run->msg_pool,
			     array_count(&trans->keywords) + 1);
		array_foreach(&trans->keywords, kw) {
			/* act_store_keywords_create() may have appended the
			   terminating NULL already */
			if (*kw == NULL)
				break;
			const char *dup = p_strdup(run->msg_pool, *kw);
			array_push_back(&copy, &dup);
		}
		array_append_zero(&copy);
		store->keywords = array_front(&copy);
	}
}

static const struct sieve_side_effect_def retrieve_sieve_capture_seffect = {
	.obj_def = {
		.identifier = "dovecot-retrieve-capture",
	},
	/* lowest: after imap4flags */
	.precedence = 0,
	.to_action = &act_store,
	.post_commit = retrieve_sieve_capture_post_commit,
};

/* Never required by a script: it has no validator, so "require" of it
   fails as for an unknown extension */
static const struct sieve_extension_def retrieve_sieve_capture_ext = {
	.name = "vnd.dovecot-retrieve.capture",
};

/* Extensions that behave the same when Sieve runs with no user (see
   doc/sieve-store-study.md, "Allowlist"). A binary that uses any other
   goes through mail_deliver() for the run: e.g. editheader changes the
   message we would not save, :specialuse and the metadata tests need the
   user's mailboxes. redirect, vacation, notify and reject are not here:
   without our smtp_* and duplicate_* callbacks they would fail. */
static const char *const retrieve_sieve_known_extensions[] = {
	"fileinto", "mailbox", "imap4flags", "copy", "envelope", "body",
	"variables", "regex", "relational", "date", "index", "subaddress",
	"include", "encoded-character",
	NULL
};

static bool retrieve_sieve_extension_is_known(const char *name)
{
	/* "@..." are the engine's own (comparators, match types, address
	   parts), always linked */
	if (name[0] == '@' || str_begins_with(name, "comparator-"))
		return TRUE;
	return str_array_find(retrieve_sieve_known_extensions, name);
}

/* The mailbox extension is known for :create, but its mailboxexists
   test would always be true without a user. The binary lists extensions,
   not the tests it uses: its dump names each operation. */
static bool retrieve_sieve_binary_has_mailboxexists(struct sieve_binary *sbin)
{
	string_t *dump = str_new(default_pool, 4096);
	struct ostream *output;
	bool found;

	output = o_stream_create_buffer(dump);
	sieve_dump(sbin, output, FALSE);
	o_stream_destroy(&output);
	found = strstr(str_c(dump), "MAILBOXEXISTS") != NULL;
	str_free(&dump);
	return found;
}

/* Returns FALSE (and why) when sbin uses an extension we can't run
   without a user */
static bool
retrieve_sieve_binary_check(struct sieve_binary *sbin, const char **reason_r)
{
	const struct sieve_extension *ext;
	const char *name;
	bool mailbox = FALSE;
	int i, count;

	count = sieve_binary_extensions_count(sbin);
	for (i = 0; i < count; i++) {
		ext = sieve_binary_extension_get_by_index(sbin, i);
		if (ext == NULL || ext->def == NULL)
			continue;
		name = sieve_extension_name(ext);
		if (!retrieve_sieve_extension_is_known(name)) {
			*reason_r = t_strdup_printf(
				"%s uses the Sieve extension %s",
				sieve_binary_source(sbin), name);
			return FALSE;
		}
		if (strcmp(name, "mailbox") == 0)
			mailbox = TRUE;
	}
	if (mailbox && retrieve_sieve_binary_has_mailboxexists(sbin)) {
		*reason_r = t_strdup_printf("%s uses mailboxexists",
					    sieve_binary_source(sbin));
		return FALSE;
	}
	return TRUE;
}

/* Saves a binary that was compiled now (sieve_save() leaves one loaded
   from disk alone), so that the next run or delivery loads it, as
   lda-sieve does. A global script's binary may not be writable: then it
   is compiled on every run, as lda-sieve logs. */
static void
retrieve_sieve_binary_save(struct retrieve_sieve_run *run,
			   struct sieve_binary *sbin)
{
	enum sieve_error error;

	if (sieve_save(sbin, FALSE, &error) < 0) {
		e_debug(run->event, "Couldn't save the Sieve binary of %s",
			sieve_binary_source(sbin));
	}
}

/* Opens (compiles if needed) script, checks its extensions and appends it
   to the chain (or makes it the discard script). Returns 1 when done or
   when the script turns out not to exist, 0 when this run must go
   through mail_deliver() (why in *error_r). */
static int
retrieve_sieve_run_add_script(struct retrieve_sieve_run *run,
			      struct sieve_script *script, bool personal,
			      bool discard, const char **error_r)
{
	struct retrieve_sieve_script *rscript;
	struct sieve_error_handler *ehandler;
	struct sieve_binary *sbin;
	enum sieve_error error;

	ehandler = personal && run->user_ehandler != NULL ?
		run->user_ehandler : run->ehandler;
	sbin = retrieve_sieve_engine_open(script, ehandler,
		personal ? SIEVE_COMPILE_FLAG_NOGLOBAL : 0, FALSE, &error);
	if (sbin == NULL) {
		if (error == SIEVE_ERROR_NOT_FOUND) {
			e_debug(run->event, "Sieve script %s doesn't exist",
				retrieve_sieve_engine_script_name(script));
			return 1;
		}
		*error_r = t_strdup_printf("Sieve script %s can't be opened "
					   "or doesn't compile",
					   retrieve_sieve_engine_script_name(script));
		return 0;
	}
	if (!retrieve_sieve_binary_check(sbin, error_r)) {
		sieve_close(&sbin);
		return 0;
	}
	retrieve_sieve_binary_save(run, sbin);
	if (discard)
		rscript = &run->discard;
	else
		rscript = array_append_space(&run->scripts);
	rscript->sbin = sbin;
	rscript->script = script;
	sieve_script_ref(script);
	rscript->cpflags = personal ? SIEVE_COMPILE_FLAG_NOGLOBAL : 0;
	rscript->flags = personal ? SIEVE_EXECUTE_FLAG_NOGLOBAL : 0;
	rscript->ehandler = ehandler;
	e_debug(run->event, "Sieve %s script %u: %s",
		discard ? "discard" : "chain",
		discard ? 1 : array_count(&run->scripts),
		retrieve_sieve_engine_script_name(script));
	return 1;
}

/* The global scripts of type ("before", "after"), appended to the
   chain. Returns as retrieve_sieve_run_add_script(). */
static int
retrieve_sieve_run_add_global(struct retrieve_sieve_run *run,
			      const char *type, const char **error_r)
{
	ARRAY_TYPE(sieve_script) scripts;
	struct sieve_script **script;
	int ret;

	t_array_init(&scripts, 8);
	ret = retrieve_sieve_engine_global_scripts(run->svinst, run->user,
						   run->event, type,
						   &scripts, error_r);
	array_foreach_modifiable(&scripts, script) {
		if (ret > 0) {
			ret = retrieve_sieve_run_add_script(run, *script,
							    FALSE, FALSE,
							    error_r);
		}
		sieve_script_unref(script);
	}
	return ret;
}

/* The user's active script, if any */
static int
retrieve_sieve_run_add_personal(struct retrieve_sieve_run *run,
				const char **error_r)
{
	struct sieve_script *script;
	int ret;

	ret = retrieve_sieve_engine_personal_script(run->svinst, run->user,
						    run->event, &script,
						    error_r);
	if (ret <= 0 || script == NULL)
		return ret;
	if (!sieve_script_is_default(script)) {
		const char *log_path = sieve_user_get_log_path(run->svinst,
							       script);

		if (log_path != NULL) {
			run->user_ehandler = sieve_logfile_ehandler_create(
				run->svinst, log_path,
				RETRIEVE_SIEVE_MAX_USER_ERRORS);
		}
	}
	ret = retrieve_sieve_run_add_script(run, script, TRUE, FALSE, error_r);
	sieve_script_unref(&script);
	return ret;
}

/* sieve_before*, the personal script, sieve_after*, and sieve_discard,
   found as lda-sieve finds them */
static int
retrieve_sieve_run_open_scripts(struct retrieve_sieve_run *run,
				const char **error_r)
{
	struct sieve_script *script;
	int ret;

	if ((ret = retrieve_sieve_run_add_global(run, "before",
						 error_r)) <= 0 ||
	    (ret = retrieve_sieve_run_add_personal(run, error_r)) <= 0 ||
	    (ret = retrieve_sieve_run_add_global(run, "after",
						 error_r)) <= 0)
		return ret;
	if (array_count(&run->scripts) == 0) {
		*error_r = "no Sieve script";
		return 0;
	}

	ret = retrieve_sieve_engine_discard_script(run->svinst, run->user,
						   run->event, &script,
						   error_r);
	if (ret <= 0 || script == NULL)
		return ret;
	ret = retrieve_sieve_run_add_script(run, script, FALSE, TRUE, error_r);
	sieve_script_unref(&script);
	return ret;
}

int retrieve_sieve_run_init(struct mail_user *user, struct event *event,
			    struct retrieve_sieve_run **run_r,
			    const char **error_r)
{
	struct retrieve_sieve_run *run;
	struct sieve_environment svenv;
	const char *home = NULL;
	pool_t pool;
	int ret;

	if (!retrieve_sieve_version_check(event, error_r))
		return 0;
	pool = pool_alloconly_create("retrieve sieve run", 1024);
	run = p_new(pool, struct retrieve_sieve_run, 1);
	run->pool = pool;
	run->user = user;
	mail_user_ref(user);
	run->event = event;
	run->msg_pool = pool_alloconly_create("retrieve sieve message", 1024);
	p_array_init(&run->stores, pool, 4);
	p_array_init(&run->scripts, pool, 4);

	(void)mail_user_get_home(user, &home);
	i_zero(&svenv);
	svenv.username = user->username;
	svenv.home_dir = home;
	svenv.base_dir = user->set->base_dir;
	svenv.temp_dir = user->set->mail_temp_dir;
	svenv.event_parent = event;
	svenv.flags = SIEVE_FLAG_HOME_RELATIVE;
	svenv.location = SIEVE_ENV_LOCATION_MDA;
	svenv.delivery_phase = SIEVE_DELIVERY_PHASE_DURING;
	if (retrieve_sieve_engine_init(user, &svenv, &run->svinst) < 0) {
		*error_r = "sieve_init() failed";
		retrieve_sieve_run_deinit(&run);
		return -1;
	}
	run->ehandler = sieve_master_ehandler_create(run->svinst, 0);
	sieve_error_handler_accept_debuglog(run->ehandler,
		retrieve_sieve_engine_debug(user));
	run->capture_ext = retrieve_sieve_engine_extension_register(
		run->svinst, &retrieve_sieve_capture_ext);
	if (run->capture_ext == NULL) {
		*error_r = "Couldn't register the capture extension";
		retrieve_sieve_run_deinit(&run);
		return -1;
	}
	if ((ret = retrieve_sieve_run_open_scripts(run, error_r)) <= 0) {
		retrieve_sieve_run_deinit(&run);
		return ret;
	}
	*run_r = run;
	return 1;
}

void retrieve_sieve_run_deinit(struct retrieve_sieve_run **_run)
{
	struct retrieve_sieve_run *run = *_run;
	struct retrieve_sieve_script *rscript;

	if (run == NULL)
		return;
	*_run = NULL;

	array_foreach_modifiable(&run->scripts, rscript) {
		sieve_close(&rscript->sbin);
		sieve_script_unref(&rscript->script);
	}
	if (run->discard.sbin != NULL) {
		sieve_close(&run->discard.sbin);
		sieve_script_unref(&run->discard.script);
	}
	if (run->user_ehandler != NULL)
		sieve_error_handler_unref(&run->user_ehandler);
	if (run->ehandler != NULL)
		sieve_error_handler_unref(&run->ehandler);
	if (run->svinst != NULL)
		sieve_deinit(&run->svinst);
	mail_user_unref(&run->user);
	pool_unref(&run->msg_pool);
	pool_unref(&run->pool);
}

static int
retrieve_sieve_exec_script(struct retrieve_sieve_exec *exec,
			   const struct retrieve_sieve_script *rscript,
			   enum sieve_execute_flags extra_flags)
{
	struct sieve_interpreter *interp;
	int ret;

	exec->eenv.flags = rscript->flags | extra_flags;
	interp = sieve_interpreter_create(rscript->sbin, NULL, &exec->eenv,
					  rscript->ehandler);
	if (interp == NULL)
		return SIEVE_EXEC_BIN_CORRUPT;
	ret = sieve_interpreter_run(interp, exec->result);
	sieve_interpreter_free(&interp);
	return ret;
}

/* The binary turned out corrupt while running: compile it again from its
   script, as lda-sieve does. Returns FALSE when that fails (the message
   then fails; the next run opens the scripts anew). */
static bool
retrieve_sieve_script_recompile(struct retrieve_sieve_run *run,
				struct retrieve_sieve_script *rscript)
{
	struct sieve_binary *sbin;
	enum sieve_error error;
	const char *reason;

	e_warning(run->event, "Sieve binary of %s is corrupt, recompiling",
		  retrieve_sieve_engine_script_name(rscript->script));
	sbin = retrieve_sieve_engine_open(rscript->script, rscript->ehandler,
					  rscript->cpflags, TRUE, &error);
	if (sbin == NULL)
		return FALSE;
	if (!retrieve_sieve_binary_check(sbin, &reason)) {
		/* changed under us: the next run goes through
		   mail_deliver() */
		e_warning(run->event, "Recompiled Sieve script: %s", reason);
		sieve_close(&sbin);
		return FALSE;
	}
	sieve_close(&rscript->sbin);
	rscript->sbin = sbin;
	retrieve_sieve_binary_save(run, sbin);
	return TRUE;
}

/* Runs one script and executes (without committing) what it added to
   the result. *keep_r tells whether the implicit keep is still wanted
   afterwards. Returns TRUE when the script ran and executed fine. */
static bool
retrieve_sieve_exec_step(struct retrieve_sieve_run *run,
			 struct retrieve_sieve_exec *exec,
			 struct retrieve_sieve_script *rscript,
			 enum sieve_execute_flags extra_flags, bool *keep_r)
{
	*keep_r = FALSE;
	exec->status = retrieve_sieve_exec_script(exec, rscript, extra_flags);
	if (exec->status == SIEVE_EXEC_BIN_CORRUPT &&
	    retrieve_sieve_script_recompile(run, rscript)) {
		exec->status = retrieve_sieve_exec_script(exec, rscript,
							  extra_flags);
	}
	if (exec->status != SIEVE_EXEC_OK)
		return FALSE;
	exec->status = sieve_result_execute(exec->rexec, SIEVE_EXEC_OK,
					    FALSE, rscript->ehandler, keep_r);
	return exec->status == SIEVE_EXEC_OK;
}

/* The scripts in order over one result. While more scripts may follow,
   the result has no keep action: the implicit keep is only wanted or
   cancelled, and the next script starts with it still pending. The
   first script that cancels it (or fails) ends the chain. The final
   execution then performs the keep (or, after a failure, the failure
   keep) and commits. Returns SIEVE_EXEC_*. */
static int
retrieve_sieve_run_chain(struct retrieve_sieve_run *run,
			 const struct sieve_message_data *msgdata,
			 const struct sieve_script_env *senv)
{
	struct retrieve_sieve_exec exec;
	struct retrieve_sieve_script *rscript;
	bool keep = FALSE;
	int status;

	i_zero(&exec);
	exec.pool = pool_alloconly_create("retrieve sieve execution", 4096);
	sieve_execute_init(&exec.eenv, run->svinst, exec.pool, msgdata,
			   senv, 0);
	exec.result = sieve_result_create(run->svinst, exec.pool, &exec.eenv);
	sieve_result_add_implicit_side_effect(exec.result, &act_store, TRUE,
		run->capture_ext, &retrieve_sieve_capture_seffect, run);
	sieve_result_set_keep_action(exec.result, NULL, NULL);
	exec.rexec = sieve_result_execution_create(exec.result, exec.pool);
	exec.status = SIEVE_EXEC_OK;

	array_foreach_modifiable(&run->scripts, rscript) {
		if (!retrieve_sieve_exec_step(run, &exec, rscript, 0, &keep) ||
		    !keep)
			break;
	}
	/* A script cancelled the implicit keep and nothing was stored:
	   the message is being discarded, and sieve_discard gets a last
	   word. Its own implicit keep is stored only at the end. */
	if (exec.status == SIEVE_EXEC_OK && !keep &&
	    run->discard.sbin != NULL &&
	    !sieve_result_executed_delivery(exec.rexec)) {
		e_debug(run->event, "Sieve: running the discard script");
		sieve_result_set_keep_action(exec.result, NULL, &act_store);
		(void)retrieve_sieve_exec_step(run, &exec, &run->discard,
			SIEVE_EXECUTE_FLAG_DEFER_KEEP, &keep);
		if (exec.status == SIEVE_EXEC_FAILURE)
			exec.status = SIEVE_EXEC_KEEP_FAILED;
	}

	/* the keep (implicit, or the failure keep) is stored now */
	exec.eenv.flags = 0;
	sieve_result_set_keep_action(exec.result, NULL, &act_store);
	status = sieve_result_execute(exec.rexec, exec.status, TRUE,
				      run->user_ehandler != NULL ?
				      run->user_ehandler : run->ehandler,
				      &keep);
	e_debug(run->event, "Sieve chain finished (status=%s, keep=%s)",
		sieve_execution_exitcode_to_str(status),
		keep ? "yes" : "no");
	sieve_execute_finish(&exec.eenv, status);

	sieve_result_execution_destroy(&exec.rexec);
	sieve_result_unref(&exec.result);
	sieve_execute_deinit(&exec.eenv);
	pool_unref(&exec.pool);
	return status;
}

static void
retrieve_sieve_run_add_failure_keep(struct retrieve_sieve_run *run,
				    const char *default_mailbox)
{
	const struct retrieve_sieve_store *store;
	struct retrieve_sieve_store *keep;

	array_foreach(&run->stores, store) {
		if (strcmp(store->folder, default_mailbox) == 0)
			return;
	}
	keep = array_append_space(&run->stores);
	keep->folder = p_strdup(run->msg_pool, default_mailbox);
}

int retrieve_sieve_run_message(struct retrieve_sieve_run *run,
			       struct mail *mail,
			       const struct smtp_address *rcpt_to,
			       const char *default_mailbox,
			       const struct retrieve_sieve_store **stores_r,
			       unsigned int *count_r, const char **error_r)
{
	static const struct smtp_address null_sender;
	static const struct smtp_params_mail mail_params;
	static const struct smtp_params_rcpt rcpt_params;
	struct sieve_message_data msgdata;
	struct sieve_script_env senv;
	struct sieve_exec_status estatus;
	const char *error;
	int ret;

	array_clear(&run->stores);
	p_clear(run->msg_pool);

	i_zero(&msgdata);
	msgdata.mail = mail;
	msgdata.auth_user = run->user->username;
	(void)mail_get_message_id(mail, &msgdata.id);
	msgdata.envelope.mail_from = &null_sender;
	msgdata.envelope.mail_params = &mail_params;
	msgdata.envelope.rcpt_to = rcpt_to;
	msgdata.envelope.rcpt_params = &rcpt_params;

	if (sieve_script_env_init(&senv, run->user, &error) < 0) {
		*error_r = t_strdup_printf("Sieve script environment: %s",
					   error);
		return -1;
	}
	/* Pigeonhole skips storing without a user; we store */
	senv.user = NULL;
	senv.default_mailbox = default_mailbox;
	senv.mailbox_autocreate = TRUE;
	senv.script_context = run;
	/* no smtp_*, duplicate_*, reject_mail callbacks: scripts using
	   redirect, vacation or reject are off the allowlist and go through
	   mail_deliver() */
	i_zero(&estatus);
	senv.exec_status = &estatus;

	ret = retrieve_sieve_run_chain(run, &msgdata, &senv);
	if (ret == SIEVE_EXEC_FAILURE) {
		/* the script failed and Pigeonhole did the failure keep
		   (a skipped store). Implicit side effects apply only to a
		   successful keep, so it wasn't captured: it goes into the
		   default folder, unless a store already committed there. */
		retrieve_sieve_run_add_failure_keep(run, default_mailbox);
		e_warning(run->event, "Execution of the Sieve script failed, "
			  "but implicit keep was successful");
	} else if (ret != SIEVE_EXEC_OK) {
		*error_r = t_strdup_printf("Sieve failed: %s",
			sieve_execution_exitcode_to_str(ret));
		return -1;
	}
	*stores_r = array_get(&run->stores, count_r);
	return 0;
}

void retrieve_sieve_run_user_error(struct retrieve_sieve_run *run,
				   const char *message)
{
	if (run->user_ehandler != NULL)
		sieve_error(run->user_ehandler, NULL, "%s", message);
}
