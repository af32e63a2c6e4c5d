#ifndef TEST_RETRIEVE_ENV_H
#define TEST_RETRIEVE_ENV_H

/* A retrieve_getenv_t for unit tests: context is a NULL-terminated array
   of name/value pairs, as a userdb reply would carry them (the first
   definition wins). */
const char *test_env_getenv(const char *name, void *context);

#endif
