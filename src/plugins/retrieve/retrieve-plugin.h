#ifndef RETRIEVE_PLUGIN_H
#define RETRIEVE_PLUGIN_H

struct module;

extern const char *retrieve_plugin_version;

void retrieve_plugin_init(struct module *module);
void retrieve_plugin_deinit(void);

#endif
