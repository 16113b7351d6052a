/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where a VM's sockets live while it runs.  Everything is under
 *   $XDG_RUNTIME_DIR/hangar/            (0700)   -- or $HANGAR_RUNTIME_DIR
 *     vms/<uuid>-<digest>/               (0700)   -- hg_process_runtime_id()
 *        qmp.sock qmp-ctl.sock serial.sock monitor.sock vnc.sock qemu.pid qemu.log lock
 *        exit-reason crashed
 *     switches/<name>/                   (0700)
 *        data/ (vde_switch -s)  mgmt.sock (vde_switch -M)
 *
 * The strings live in the struct's own allocation: read-only, freed with
 * hg_runtime_paths_free().
 */
typedef struct {
  char *root;      /* $XDG_RUNTIME_DIR/hangar */
  char *dir;       /* root/vms/<id> */
  char *qmp;
  char *serial;    /* serial console with the HMP monitor multiplexed (Ctrl-a c) */
  char *monitor;   /* dedicated HMP monitor */
  char *vnc;
  char *pidfile;
  char *log;
  char *lock;
  char *exit_reason; /* why a VM was stopped on purpose, written by whoever stops
                      * it so that every other Hangar watching it shows the same */
  char *qmp_ctl;   /* a second QMP socket for one-shot clients (hangarctl), so that
                    * a window holding the first one never blocks them */
  char *crashed;   /* why QEMU ended unexpectedly (signal, exit status), written
                    * by whoever saw it end, read by hangarctl list/info; removed
                    * by the next start */
} HgRuntimePaths;

/* The hangar runtime root: $HANGAR_RUNTIME_DIR, else $XDG_RUNTIME_DIR/hangar,
 * else g_get_user_runtime_dir()/hangar.  Not created. */
char           *hg_runtime_root          (void);
/* Creates root (0700) if needed and refuses it if it is a symlink or not owned
 * by us. */
gboolean        hg_runtime_ensure_dir    (const char *dir, GError **error);

/* A path in a runtime directory must be absent, or a non-symlink owned by
 * us (and no directory unless allow_dir).  G_IO_ERROR naming the path. */
gboolean        hg_runtime_check_path_safe (const char *path, gboolean allow_dir,
                                            GError **error);

/* Gives a runtime-directory error (G_IO_ERROR from the two functions
 * above) the caller's domain and code; always returns FALSE. */
gboolean        hg_runtime_error_retag     (GError **error, GQuark domain, int code);

HgRuntimePaths *hg_runtime_paths_new     (const char *root, const char *vm_id);
HgRuntimePaths *hg_runtime_paths_copy    (const HgRuntimePaths *paths);
void            hg_runtime_paths_free    (HgRuntimePaths *paths);

/* Directory of a VM's sockets: root/vms/<id> (HgRuntimePaths.dir) */
char           *hg_runtime_vm_dir        (const char *root, const char *vm_id);
/* Directory of a switch's sockets: root/switches/<name> */
char           *hg_runtime_switch_dir    (const char *root, const char *switch_name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgRuntimePaths, hg_runtime_paths_free)

G_END_DECLS
