/* Copyright (c) 2026 dovecot-retrieve authors, see the included COPYING file */

#include "lib.h"
#include "mail-storage-private.h"
#include "mail-storage-hooks.h"
#include "retrieve-deliver-seen.h"

#define RETRIEVE_SEEN_CONTEXT(obj) \
	MODULE_CONTEXT_REQUIRE(obj, retrieve_deliver_seen_storage_module)

static MODULE_CONTEXT_DEFINE_INIT(retrieve_deliver_seen_storage_module,
				  &mail_storage_module_register);

/* Only one delivery runs at a time in a process (mail_deliver() is
   synchronous), so a global is enough. */
static const char *retrieve_deliver_seen_folder = NULL;

static int
retrieve_deliver_seen_copy(struct mail_save_context *ctx, struct mail *mail)
{
	struct mailbox *box = ctx->transaction->box;
	union mailbox_module_context *rbox = RETRIEVE_SEEN_CONTEXT(box);

	/* mailbox_save_using_mail() (lib-lda's default save) and
	   mailbox_copy() (Sieve's store) both end up here */
	if (retrieve_deliver_seen_folder != NULL &&
	    strcmp(box->vname, retrieve_deliver_seen_folder) == 0)
		ctx->data.flags |= MAIL_SEEN;
	return rbox->super.copy(ctx, mail);
}

static void retrieve_deliver_seen_mailbox_allocated(struct mailbox *box)
{
	struct mailbox_vfuncs *v = box->vlast;
	union mailbox_module_context *rbox;

	rbox = p_new(box->pool, union mailbox_module_context, 1);
	rbox->super = *v;
	box->vlast = &rbox->super;
	v->copy = retrieve_deliver_seen_copy;
	MODULE_CONTEXT_SET_SELF(box, retrieve_deliver_seen_storage_module,
				rbox);
}

static struct mail_storage_hooks retrieve_deliver_seen_hooks = {
	.mailbox_allocated = retrieve_deliver_seen_mailbox_allocated,
};

void retrieve_deliver_seen_hooks_init(void)
{
	/* internal: applies to every user without a mail_plugins entry */
	mail_storage_hooks_add_internal(&retrieve_deliver_seen_hooks);
}

void retrieve_deliver_seen_set_folder(const char *folder)
{
	retrieve_deliver_seen_folder = folder;
}
