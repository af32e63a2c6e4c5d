#ifndef RETRIEVE_SERVICE_PROTOCOL_H
#define RETRIEVE_SERVICE_PROTOCOL_H

/* The lines between the scheduler (retrieve), its workers
   (retrieve-worker) and the mail plugin, all tab-separated and escaped
   with str_tabescape(), after the usual VERSION handshake. Here in the
   core's headers so that every end includes the one definition (the
   scheduler only the header: it links libdovecot alone).

   scheduler -> worker, one request per connection:
     SCAN                   every userdb user with accounts
     USER <user> <login> [<uid>]
                            one user; login=1: a login triggered it;
                            uid: of the notice's sender, must be the
                            user's (none: a trusted sender)
     RUN <user> <key>       run one account
   worker -> scheduler, per user:
     USER <user>            the accounts below replace the known ones
     ACCOUNT <user> <key> <host> <next_due> <login_due>
     USEREND <user>
     NOUSER <user>          the userdb does not have the user
     KEEP <user>            the lookup failed for now: keep what is known
     DENIED <user>          USER with a uid that is not the user's
   then, for RUN only, RESULT <user> <key> <result>; always DONE last.

   mail plugin -> scheduler (socket "retrieve"):
     LOGIN <user>           the user logged in over IMAP or POP3 */

#define RETRIEVE_SCHEDULER_SOCKET_NAME "retrieve"
#define RETRIEVE_WORKER_SOCKET_NAME "retrieve-worker"

/* the name both sides send in VERSION */
#define RETRIEVE_WORKER_PROTOCOL_NAME "retrieve-worker"
#define RETRIEVE_CLIENT_PROTOCOL_NAME "retrieve"
#define RETRIEVE_PROTOCOL_MAJOR_VERSION 1
#define RETRIEVE_PROTOCOL_MINOR_VERSION 0

/* The mail plugin's one-shot notice: the handshake, then one command */
#define RETRIEVE_CLIENT_CMD_LOGIN "LOGIN"
#define RETRIEVE_CLIENT_HANDSHAKE_FMT "VERSION\t%s\t%u\t%u\n"

#endif
