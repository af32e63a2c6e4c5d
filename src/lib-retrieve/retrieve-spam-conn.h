#ifndef RETRIEVE_SPAM_CONN_H
#define RETRIEVE_SPAM_CONN_H

struct istream;
struct ip_addr;

/* One scanner exchange on a non-blocking socket, every wait a poll()
   against one wall-clock deadline for the whole exchange: delivery is
   synchronous, and a scanner trickling bytes cannot stretch it. */
struct retrieve_spam_conn;

/* Parses the reply buffered so far (eof: the scanner closed). Returns 1
   when complete, 0 when more is needed, -1 when malformed (error_r). */
typedef int retrieve_spam_conn_parse_t(const unsigned char *data,
				       size_t size, bool eof, void *context,
				       const char **error_r);

/* Connects to path (a UNIX socket) or ip:port, within timeout_secs from
   now, which is the deadline of everything that follows. */
int retrieve_spam_conn_open(const char *path, const struct ip_addr *ip,
			    in_port_t port, unsigned int timeout_secs,
			    struct retrieve_spam_conn **conn_r,
			    const char **error_r);
void retrieve_spam_conn_close(struct retrieve_spam_conn **conn);

int retrieve_spam_conn_send(struct retrieve_spam_conn *conn,
			    const void *data, size_t size,
			    const char **error_r);
/* Sends input from its offset to its end, which must be size bytes. */
int retrieve_spam_conn_send_stream(struct retrieve_spam_conn *conn,
				   struct istream *input, uoff_t size,
				   const char **error_r);
/* Reads into a buffer of at most max_size bytes, calling parse after
   each read, until it returns non-zero. Returns 0 when parse completed,
   -1 on error (a reply over max_size is one). */
int retrieve_spam_conn_read_reply(struct retrieve_spam_conn *conn,
				  size_t max_size,
				  retrieve_spam_conn_parse_t *parse,
				  void *context, const char **error_r);

#endif
