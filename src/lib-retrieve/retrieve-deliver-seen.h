#ifndef RETRIEVE_DELIVER_SEEN_H
#define RETRIEVE_DELIVER_SEEN_H

/* Sieve stores messages itself (Pigeonhole copies the raw mail into each
   target), so its implicit keep can't be told to set flags. This storage
   hook adds \Seen to what is saved into one named folder while a delivery
   is in progress: the remote \Seen flag survives filtering wherever the
   keep lands. */

/* Once per process, after mail_storage_init() */
void retrieve_deliver_seen_hooks_init(void);

/* Saves into folder (a vname) get \Seen until the next call; NULL ends
   it. The string must stay valid meanwhile. */
void retrieve_deliver_seen_set_folder(const char *folder);

#endif
