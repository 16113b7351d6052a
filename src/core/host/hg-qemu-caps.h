/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * What one installed QEMU system emulator offers, asked of the binary
 * itself (libvirt's qemu_capabilities.c does the same): it is started as
 * `qemu-system-X -machine none -nodefaults -display none -S -qmp stdio`
 * and answers query-target, query-machines, query-cpu-definitions (where
 * the target has it), query-kvm and qom-list-types (devices, accelerators).
 *
 * The answer is cached in <cache dir>/hangar/qemu-caps/<basename>.json,
 * keyed by the binary's path, mtime, size and inode (the version QEMU
 * reports is stored beside them): a binary that changes (an upgrade) is
 * probed again; a corrupt or foreign cache file is ignored and rewritten;
 * the file is written atomically.
 *
 * Probing spawns QEMU and blocks: do it with hg_qemu_caps_probe_async()
 * (a worker thread, one emulator at a time), never on the GUI thread.
 * hg_qemu_caps_load_cached() only reads the cache and never spawns.
 */

typedef struct {
  char     *name;
  char     *alias;       /* "pc" for pc-i440fx-7.2, or NULL */
  gboolean  is_default;
  guint     cpu_max;
  gboolean  deprecated;
} HgQemuMachine;

typedef struct _HgQemuCaps HgQemuCaps;

GType        hg_qemu_caps_get_type         (void) G_GNUC_CONST;
#define HG_TYPE_QEMU_CAPS (hg_qemu_caps_get_type ())

HgQemuCaps  *hg_qemu_caps_ref              (HgQemuCaps *self);
void         hg_qemu_caps_unref            (HgQemuCaps *self);

const char  *hg_qemu_caps_get_path         (const HgQemuCaps *self);
/* QEMU's target ("x86_64", "arm", "s390x" ...), from query-target */
const char  *hg_qemu_caps_get_arch         (const HgQemuCaps *self);
const char  *hg_qemu_caps_get_version      (const HgQemuCaps *self);
/* HgQemuMachine*, sorted by name */
GPtrArray   *hg_qemu_caps_get_machines     (const HgQemuCaps *self);
const char  *hg_qemu_caps_get_default_machine (const HgQemuCaps *self);
/* The machine a name or alias stands for, or NULL when QEMU has none such */
const HgQemuMachine *hg_qemu_caps_find_machine (const HgQemuCaps *self,
                                                const char       *name);
/* "pc, q35, isapc, …": up to max names (aliases preferred) for messages */
char        *hg_qemu_caps_describe_machines (const HgQemuCaps *self,
                                             guint             max);
/* CPU models, sorted; NULL when the target cannot list them (then any
 * name is left to QEMU) */
const char * const *hg_qemu_caps_get_cpus  (const HgQemuCaps *self);
gboolean     hg_qemu_caps_has_cpu          (const HgQemuCaps *self,
                                            const char       *cpu);
/* Accelerators ("kvm", "tcg", ...) and user-creatable-or-not device types */
const char * const *hg_qemu_caps_get_accels  (const HgQemuCaps *self);
const char * const *hg_qemu_caps_get_devices (const HgQemuCaps *self);
gboolean     hg_qemu_caps_has_device       (const HgQemuCaps *self,
                                            const char       *type);
gboolean     hg_qemu_caps_get_kvm_present  (const HgQemuCaps *self);
/* TRUE when this answer came from the cache, not from a run of QEMU */
gboolean     hg_qemu_caps_is_from_cache    (const HgQemuCaps *self);

/* The JSON form (the cache file and tests/data/qemu-caps/) */
char        *hg_qemu_caps_to_json          (const HgQemuCaps *self);
HgQemuCaps  *hg_qemu_caps_new_from_json    (const char  *json,
                                            gsize        length,
                                            GError     **error);
HgQemuCaps  *hg_qemu_caps_new_from_file    (const char  *filename,
                                            GError     **error);

/* Every qemu-system-<target> on HG_SPAWN_PATH and in /usr/bin (or only in
 * $HANGAR_QEMU_DIR when set), one per target, sorted by target.  Only the
 * directories are read; nothing is run. */
GStrv        hg_qemu_caps_find_emulators   (void);
/* The installed qemu-system-<arch>, first on the same search path, or NULL */
char        *hg_qemu_caps_find_emulator    (const char *arch);
/* The default cache dir: g_get_user_cache_dir()/hangar/qemu-caps */
char        *hg_qemu_caps_default_cache_dir (void);

/* The cached answer for this binary if it is still current, else NULL.
 * cache_dir NULL: the default.  Never spawns. */
HgQemuCaps  *hg_qemu_caps_load_cached      (const char *path,
                                            const char *cache_dir);
/* For synchronous checks that have no capabilities at hand (config
 * validation): the cached answer for the emulator of arch, or NULL when it
 * is not installed or not probed yet (the caller then accepts the value and
 * leaves it to QEMU).  Never spawns; a parsed cache file is kept in memory
 * for as long as the binary does not change.  Thread-safe. */
HgQemuCaps  *hg_qemu_caps_lookup_cached    (const char *arch);
/* The cached answer, or a fresh probe (which is then cached).  Blocks for
 * as long as QEMU takes (30 s at most): not on the GUI thread. */
HgQemuCaps  *hg_qemu_caps_probe            (const char   *path,
                                            const char   *cache_dir,
                                            GCancellable *cancellable,
                                            GError      **error);
void         hg_qemu_caps_probe_async      (const char          *path,
                                            const char          *cache_dir,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
HgQemuCaps  *hg_qemu_caps_probe_finish     (GAsyncResult  *result,
                                            GError       **error);
/* Every emulator of hg_qemu_caps_find_emulators(), one after the other in
 * one worker thread; emulators that fail are left out (with a warning).
 * Finishes with a GPtrArray of HgQemuCaps*. */
void         hg_qemu_caps_probe_all_async  (const char          *cache_dir,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GPtrArray   *hg_qemu_caps_probe_all_finish (GAsyncResult  *result,
                                            GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgQemuCaps, hg_qemu_caps_unref)

G_END_DECLS
