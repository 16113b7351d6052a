/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-qmp-client.h"

G_BEGIN_DECLS

/*
 * Typed QMP commands on top of HgQmpClient (libvirt qemu_monitor_json.c).
 * Every command is an _async/_finish pair; errors are those of
 * hg_qmp_client_execute_finish() plus HG_QMP_ERROR_PROTOCOL when the reply
 * does not have the expected shape, HG_QMP_ERROR_INVALID_ARGUMENT for bad
 * input (checked before anything is sent) and HG_QMP_ERROR_HMP when a
 * human-monitor-command answer reports a failure.
 */

/* ---- status and power -------------------------------------------------- */

/* query-status: running is TRUE while the guest CPUs run; status is QEMU's
 * RunState string ("running", "paused", "prelaunch", "shutdown",
 * "internal-error", "io-error", "suspended", "guest-panicked" …). */
void     hg_qmp_query_status_async     (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean hg_qmp_query_status_finish    (HgQmpClient *client, GAsyncResult *result,
                                        gboolean *running, char **status, GError **error);

/* Commands without a result.  All finish with hg_qmp_simple_finish(). */
void     hg_qmp_stop_async             (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void     hg_qmp_cont_async             (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void     hg_qmp_system_powerdown_async (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void     hg_qmp_system_reset_async     (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* quit: also succeeds if QEMU drops the connection before it answers. */
void     hg_qmp_quit_async             (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean hg_qmp_simple_finish          (HgQmpClient *client, GAsyncResult *result,
                                        GError **error);

/* ---- identity (for the reattach check) -------------------------------- */

/* query-name: *name is NULL when the VM was started without -name. */
void     hg_qmp_query_name_async       (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean hg_qmp_query_name_finish      (HgQmpClient *client, GAsyncResult *result,
                                        char **name, GError **error);
/* query-uuid: lower-case UUID string ("00000000-0000-0000-0000-000000000000"
 * when the VM was started without -uuid). */
void     hg_qmp_query_uuid_async       (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
char    *hg_qmp_query_uuid_finish      (HgQmpClient *client, GAsyncResult *result,
                                        GError **error);

/* ---- screen and keyboard ---------------------------------------------- */

/* screendump to filename as PNG (format=png: written by QEMU itself, so it
 * must be a path QEMU can write).  A QEMU that cannot write PNG (before 7.1,
 * or without libpng) gives HG_QMP_ERROR_GENERIC saying so.  device may be
 * NULL. */
void     hg_qmp_screendump_async       (HgQmpClient *client, const char *filename,
                                        const char *device, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean hg_qmp_screendump_finish      (HgQmpClient *client, GAsyncResult *result,
                                        GError **error);

/* Parses "ctrl-alt-del", "Ctrl+Alt+F2", "shift-a", "esc" … into QEMU qcode
 * names ({"ctrl","alt","delete"}).  Separators '-' and '+'; case-insensitive;
 * common aliases accepted (del, enter/return, space, escape, win/super,
 * altgr, pageup/pagedown, printscreen, backspace, f1…f12).  A key name QEMU
 * does not know gives HG_QMP_ERROR_INVALID_ARGUMENT naming it.  At most 16
 * keys. */
GStrv    hg_qmp_parse_key_combo        (const char *combo, GError **error);
/* TRUE if qcode is one of QEMU's QKeyCode names. */
gboolean hg_qmp_is_qcode               (const char *qcode);

/* send-key with the qcodes pressed together, then released.  hold_time_ms 0
 * means QEMU's default (100 ms).  Unknown qcodes are refused before sending. */
void     hg_qmp_send_key_async         (HgQmpClient *client, const char * const *qcodes,
                                        guint hold_time_ms, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
/* finish with hg_qmp_simple_finish() */

/* ---- HMP passthrough -------------------------------------------------- */

/* human-monitor-command: returns QEMU's text answer (possibly ""). */
void     hg_qmp_human_monitor_command_async  (HgQmpClient *client, const char *command_line,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
char    *hg_qmp_human_monitor_command_finish (HgQmpClient *client, GAsyncResult *result,
                                              GError **error);

/* ---- block devices and removable media -------------------------------- */

typedef struct {
  char     *device;      /* legacy drive name ("ide2-cd0"), may be "" for -blockdev */
  char     *qdev;        /* qdev id or QOM path, may be NULL */
  gboolean  removable;
  gboolean  locked;
  gboolean  tray_open;   /* only meaningful when removable */
  gboolean  has_media;   /* "inserted" present */
  char     *file;        /* image file name of the inserted medium, or NULL */
  char     *format;      /* driver of the inserted medium ("raw", "qcow2"), or NULL */
  gboolean  read_only;
  char     *backing_file; /* the inserted medium's backing file as QEMU opened it, or NULL */
  char     *node_name;   /* the inserted medium's top node, or NULL */
  guint     backing_depth; /* how many backing layers it has */
} HgQmpBlockInfo;

void     hg_qmp_block_info_free        (HgQmpBlockInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgQmpBlockInfo, hg_qmp_block_info_free)

/* query-block: _finish returns a GPtrArray of HgQmpBlockInfo (transfer full,
 * with a free func). */
void       hg_qmp_query_block_async    (HgQmpClient *client, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *hg_qmp_query_block_finish   (HgQmpClient *client, GAsyncResult *result,
                                        GError **error);

/* eject / blockdev-change-medium.  Name the drive either by its legacy
 * device name or its qdev id (exactly one non-NULL).  format may be NULL
 * (probed by QEMU).  blockdev-change-medium lets QEMU open a qcow2's
 * backing file: a VM's media change uses hg_qmp_replace_medium_async().  force: eject even if the guest locked the tray.
 * finish with hg_qmp_simple_finish(). */
void     hg_qmp_eject_async            (HgQmpClient *client, const char *device,
                                        const char *id, gboolean force,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void     hg_qmp_change_medium_async    (HgQmpClient *client, const char *device,
                                        const char *id, const char *filename,
                                        const char *format, gboolean force,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);

/* A new medium that QEMU opens exactly as given: blockdev-add of each of
 * nodes (JSON objects, bottom first, e.g. hg_cmdline_blockdev_nodes()),
 * then blockdev-open-tray (force: even if the guest locked it),
 * blockdev-remove-medium, blockdev-insert-medium node_name and
 * blockdev-close-tray on the drive whose qdev id (or QOM path) is id.
 * When the guest closes the tray before the medium is in (Linux does when
 * something opens the drive), the tray is opened again, a few times.
 * Nothing is probed.  An error names the command that failed.  finish
 * with hg_qmp_simple_finish(). */
void     hg_qmp_replace_medium_async   (HgQmpClient *client, const char *id,
                                        GPtrArray *nodes, const char *node_name,
                                        gboolean force, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);

/* blockdev-del of each of names in turn (a medium's nodes, top first, once
 * it was ejected or replaced), best effort: a node that is not there or
 * not the monitor's is skipped.  Always succeeds; finish with
 * hg_qmp_simple_finish(). */
void     hg_qmp_blockdev_del_nodes_async (HgQmpClient *client, const char * const *names,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);

/* ---- internal snapshots (through HMP) --------------------------------- */

/* A snapshot name: 1–127 chars of [A-Za-z0-9._-], not starting with '-'
 * and not all digits (QEMU would take it for an ID).  FALSE with
 * HG_QMP_ERROR_INVALID_ARGUMENT naming the problem. */
gboolean hg_qmp_snapshot_name_is_valid (const char *name, GError **error);

/* savevm / loadvm / delvm NAME via human-monitor-command.  Any error text in
 * QEMU's answer becomes HG_QMP_ERROR_HMP with that text.  They run with no
 * command timeout (a savevm of a big guest takes a while); use the
 * cancellable to give up waiting.  finish with hg_qmp_simple_finish(). */
void     hg_qmp_savevm_async           (HgQmpClient *client, const char *name,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void     hg_qmp_loadvm_async           (HgQmpClient *client, const char *name,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
void     hg_qmp_delvm_async            (HgQmpClient *client, const char *name,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);

typedef struct {
  char    *id;
  char    *tag;         /* the name given to savevm */
  char    *vm_size;     /* as QEMU prints it, "1.05 MiB" */
  char    *date;        /* "2026-11-28 07:30:00" */
  char    *vm_clock;    /* "00:00:01.234" */
} HgQmpSnapshot;

void     hg_qmp_snapshot_free          (HgQmpSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgQmpSnapshot, hg_qmp_snapshot_free)

/* The snapshot of snapshots (HgQmpSnapshot*) whose tag is name, or NULL */
HgQmpSnapshot *hg_qmp_snapshot_find    (GPtrArray *snapshots, const char *name);
/* A default name none of taken has: "snap-YYYYMMDD-HHMMSS" of when, then
 * "-2", "-3" … while it is taken.  taken may be NULL. */
char      *hg_qmp_snapshot_unique_name (const char * const *taken, GDateTime *when);

/* Parses the text of HMP "info snapshots" (exposed for tests).  Returns a
 * GPtrArray of HgQmpSnapshot (possibly empty), or NULL with HG_QMP_ERROR_HMP
 * if the text is an error ("No available block device supports snapshots"). */
GPtrArray *hg_qmp_parse_info_snapshots (const char *text, GError **error);

/* "info snapshots" via HMP, parsed.  _finish returns a GPtrArray of
 * HgQmpSnapshot (transfer full). */
void       hg_qmp_query_snapshots_async  (HgQmpClient *client, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *hg_qmp_query_snapshots_finish (HgQmpClient *client, GAsyncResult *result,
                                          GError **error);

G_END_DECLS
