/* The stores compiled into libccred.  Each speaks the public module ABI of
 * <ccred/store.h> exactly as a separately installed module does. */
#ifndef CCRED_STORES_BUILTIN_H
#define CCRED_STORES_BUILTIN_H
#include <ccred/store.h>

int ccredi_store_env_initvt(int major, int minor, struct ccred_store_vtable *vt);
int ccredi_store_file_initvt(int major, int minor, struct ccred_store_vtable *vt);
int ccredi_store_command_initvt(int major, int minor, struct ccred_store_vtable *vt);
int ccredi_store_systemd_initvt(int major, int minor, struct ccred_store_vtable *vt);

#endif
