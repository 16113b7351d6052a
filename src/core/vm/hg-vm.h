/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-host.h"
#include "hg-vm-enum-types.h"
#include "hg-process.h"
#include "hg-qmp-client.h"
#include "hg-qmp-commands.h"
#include "hg-runtime.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * HgVm — one VM: its config, its runtime paths, its state and, while it
 * runs, its QMP connection (libvirt qemu_process.c's lifecycle reactions).
 *
 * The state follows QEMU: STOP/RESUME events switch paused/running,
 * SHUTDOWN (the guest powered off, or we asked) ends in stopped, and a QEMU
 * that goes away without SHUTDOWN — kill -9, a crash — is crashed.  The
 * process is watched through a pidfd (or /proc when there is none), so its
 * end is noticed within two seconds whether or not we are its parent; its
 * sockets and pidfile are removed and the tail of its log kept in
 * "log-tail".
 *
 * Nothing here ever kills a process that was not proven to be this VM's
 * QEMU (see hg_process_pid_is_vm_qemu()).
 */

typedef enum {
  HG_VM_STATE_STOPPED, /*< nick=stopped >*/
  HG_VM_STATE_STARTING, /*< nick=starting >*/
  HG_VM_STATE_RUNNING, /*< nick=running >*/
  HG_VM_STATE_PAUSED, /*< nick=paused >*/
  HG_VM_STATE_SHUTTING_DOWN, /*< nick=shutting-down >*/
  HG_VM_STATE_CRASHED, /*< nick=crashed >*/
} HgVmState;

/* The nicks of HG_TYPE_VM_STATE: "stopped", "starting", "running", "paused",
 * "shutting-down", "crashed"; "unknown" for another value */
const char *hg_vm_state_to_string (HgVmState state);

#define HG_TYPE_VM (hg_vm_get_type ())
G_DECLARE_FINAL_TYPE (HgVm, hg_vm, HG, VM, GObject)

/* Lines of the QEMU log kept after it stopped or crashed. */
#define HG_VM_LOG_TAIL_LINES 20
/* Default time a guest gets to power off after ACPI power-down. */
#define HG_VM_DEFAULT_SHUTDOWN_TIMEOUT_MS 60000

/*
 * Properties (all read-only, notified on change, in the thread-default main
 * context the HgVm was created in):
 *   "config"        HgVmConfig*  construct-only
 *   "runtime-root"  char*        construct-only (NULL = hg_runtime_root())
 *   "state"         HgVmState
 *   "state-reason"  char*        why it is in that state ("guest powered off",
 *                                "QEMU was killed by signal 9" ...), may be NULL
 *   "log-tail"      char*        last lines of the QEMU log after it ended
 *   "pid"           int          QEMU's pid while it runs, else 0
 *   "uptime"        gint64       seconds QEMU has run (-1: not running or
 *                                unknown); notified when the pid changes
 *   "accel-in-use"  char*        the accelerator QEMU really uses ("kvm",
 *                                "tcg"), NULL when not known or not running
 *   "responding"    gboolean     see hg_vm_is_responding()
 *   "config-stale"  gboolean     its config was edited on disk while it ran:
 *                                the HgVm still holds the old one
 *   "same-uuid-as"  char*        the config path of another VM of the
 *                                library with the same uuid (a copy), or NULL
 * The last four are kept by the VM's HgVmManager (hg-vm-manager.h).
 *
 * Signals:
 *   "qmp-event" (detailed by event name): every QMP event, as
 *       void (*) (HgVm *vm, const char *name, JsonObject *data, gpointer user_data)
 */

HgVm        *hg_vm_new_for_config   (HgVmConfig *config);
HgVm        *hg_vm_new_full         (HgVmConfig *config,
                                     const char *runtime_root,
                                     HgHostCaps *caps);

HgVmConfig  *hg_vm_get_config       (HgVm *self);
const char  *hg_vm_get_label        (HgVm *self);
const HgRuntimePaths *hg_vm_get_runtime_paths (HgVm *self);
/* The name of its directory under <runtime root>/vms, and whether that
 * exists (it has run here): neither makes the paths */
const char  *hg_vm_get_runtime_id   (HgVm *self);
gboolean     hg_vm_has_runtime_dir  (HgVm *self);
HgVmState    hg_vm_get_state        (HgVm *self);
const char  *hg_vm_get_state_reason (HgVm *self);
const char  *hg_vm_get_log_tail     (HgVm *self);
GPid         hg_vm_get_pid          (HgVm *self);
/* The serial console socket (HMP multiplexed on it, Ctrl-a c) */
const char  *hg_vm_get_serial_path  (HgVm *self);
/* The QMP connection while attached, else NULL (transfer none) */
HgQmpClient *hg_vm_get_qmp_client   (HgVm *self);
/* starting, running, paused or shutting down */
gboolean     hg_vm_is_active        (HgVm *self);
/* "not-responding" for an active VM that does not answer, else the
 * state's name (hg_vm_state_to_string()) */
const char  *hg_vm_get_state_name   (HgVm *self);
gint64       hg_vm_get_uptime       (HgVm *self);
const char  *hg_vm_get_accel_in_use (HgVm *self);
gboolean     hg_vm_get_config_stale (HgVm *self);
const char  *hg_vm_get_same_uuid_as (HgVm *self);
/* The host's capabilities it starts with, or NULL (a start then probes
 * them off the caller's thread) */
HgHostCaps  *hg_vm_get_host_caps    (HgVm *self);
/* FALSE while its QEMU lives (proven ours) but does not answer on QMP:
 * stopped by a signal, hung, or both QMP sockets held by other clients.
 * The state is then running, and the reason says "not responding: …";
 * kill and stop still end it (signals through a pidfd).  Also FALSE while
 * a QMP query-status of its HgVmManager goes unanswered, or QEMU is stopped
 * by a signal. */
gboolean     hg_vm_is_responding    (HgVm *self);

/* ---- reattach ---------------------------------------------------------- */

/* Looks at the runtime dir: adopts the VM (running/paused) only if the
 * pidfile names a live qemu-system-* whose command line names this VM's QMP
 * socket, the QMP greeting works and query-uuid/query-name match the
 * config.  A dead VM's leftovers are cleaned; an unrelated process is left
 * alone.  _finish: TRUE = attached; FALSE without error = not running;
 * FALSE with error = something is there but was not adopted (identity
 * mismatch, QMP busy with another client ...). */
void         hg_vm_attach_async     (HgVm *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean     hg_vm_attach_finish    (HgVm *self, GAsyncResult *result, GError **error);

/* Synchronous look for one-shot front ends (`hangarctl list`/`info`):
 * hg_vm_attach_async() while iterating the thread-default main context,
 * then the state.  The VM stays attached.  When QMP does not answer (held
 * by other clients, QEMU stopped or hung) the pid proof alone decides:
 * running, not responding (hg_vm_is_responding()).  A VM that is not
 * running but whose last run crashed (the runtime dir's record, kept until
 * the next start) is crashed with the reason and log tail.  Blocks at most
 * twice the attach timeout.  Not for use in a GUI. */
HgVmState    hg_vm_refresh_state    (HgVm *self, GError **error);

/* The same for many VMs at once (all looked at in parallel, so a list of
 * VMs whose QMP is busy still takes ~2 s, not 2 s each).  Read the results
 * with hg_vm_get_state()/hg_vm_get_state_reason(). */
void         hg_vm_refresh_states   (HgVm * const *vms, guint n_vms);

/* QEMU serves one client per QMP socket and has two (qmp.sock, kept by a
 * window for as long as it shows the VM, and qmp-ctl.sock).  A one-shot
 * client (hangarctl) sets this so that it attaches over qmp-ctl.sock first;
 * either way a busy socket makes the attach try the other one. */
void         hg_vm_set_control_client (HgVm *self, gboolean control_client);

/* How long an attach waits for each QMP socket's greeting before it
 * calls the VM not responding (default HG_VM_ATTACH_TIMEOUT_MS; a quick
 * look such as `hangarctl list` uses less). */
#define HG_VM_ATTACH_TIMEOUT_MS 2000
void         hg_vm_set_attach_timeout (HgVm *self, guint timeout_ms);

/* Drops the QMP connection; QEMU goes on running.  The state becomes
 * stopped (unknown to us) unless it already ended. */
void         hg_vm_detach           (HgVm *self);

/* ---- identity ---------------------------------------------------------- */

/* Gives a copy of a VM (same uuid as another, see HgLibraryEntry's
 * same_uuid_as) an identity of its own: a new uuid and new MAC addresses,
 * saved atomically in its config (unknown keys kept).  Refused while it
 * runs (HG_PROCESS_ERROR_ALREADY_RUNNING) or starts (_BUSY).  Returns the
 * new config; this HgVm keeps the old one (and its runtime identity):
 * make a new HgVm from the result. */
HgVmConfig  *hg_vm_reidentify       (HgVm *self, GError **error);

/* ---- lifecycle --------------------------------------------------------- */

typedef enum {
  HG_VM_START_NONE   = 0,
  HG_VM_START_PAUSED = 1 << 0,   /* CPUs stopped until hg_vm_resume_async() */
  HG_VM_START_THROWAWAY = 1 << 1,/* without saving changes: the disks' writes go to
                                  * temporary overlays, discarded when QEMU ends */
} HgVmStartFlags;

/* Starts QEMU in boot_mode (pass config->boot_mode for the default).
 * Errors: HG_PROCESS_ERROR_* (ALREADY_RUNNING, BUSY, EXITED with QEMU's
 * lines, SPAWN, UNSAFE_PATH, TIMEOUT), HG_CMDLINE_ERROR_*. */
void         hg_vm_start_async      (HgVm *self, HgBootMode boot_mode, HgVmStartFlags flags,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean     hg_vm_start_finish     (HgVm *self, GAsyncResult *result, GError **error);

/* ACPI power-down, then (after timeout_ms) quit, then SIGKILL.  Completes
 * when QEMU is gone; *forced says whether the guest had to be forced.
 * Without QMP (QEMU proven ours but not responding: stopped, hung, both
 * sockets held by other clients) there is no ACPI: SIGTERM, then SIGKILL
 * after timeout_ms, every signal through the pidfd after the identity
 * check.  hg_vm_shutdown_get_how() (before _finish's unref) tells which. */
typedef enum {
  HG_VM_STOP_POWERED_OFF,   /* the guest powered off after ACPI power-down */
  HG_VM_STOP_QUIT,          /* QEMU was told to quit over QMP */
  HG_VM_STOP_SIGTERM,       /* no QMP: QEMU ended on SIGTERM */
  HG_VM_STOP_SIGKILL,       /* killed */
} HgVmStopHow;
void         hg_vm_shutdown_async   (HgVm *self, guint timeout_ms, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean     hg_vm_shutdown_finish  (HgVm *self, GAsyncResult *result, gboolean *forced,
                                     GError **error);
HgVmStopHow  hg_vm_shutdown_get_how (HgVm *self, GAsyncResult *result);

/* The simple actions below all complete with hg_vm_action_finish(). */
gboolean     hg_vm_action_finish    (HgVm *self, GAsyncResult *result, GError **error);

/* SIGKILL (through the pidfd, after the identity check); completes when
 * QEMU is gone (state stopped, reason "killed").  Needs no QMP: a VM that
 * is not attached is found by its pidfile and proven first
 * (HG_PROCESS_ERROR_NOT_RUNNING when it does not run). */
void         hg_vm_kill_async       (HgVm *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_pause_async      (HgVm *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_resume_async     (HgVm *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_reset_async      (HgVm *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);

/* ---- VDE NICs ---------------------------------------------------------- */

/* The VDE NICs on switch_name: set their link state as the guest sees it
 * (set_link), or plug them into the switch again after it was restarted
 * (the hub between NIC and plug, see hg-vm-network.c).  A VM watched by a
 * window does both by itself when the switch dies and comes back.
 * Complete with hg_vm_action_finish(). */
void         hg_vm_set_switch_link_async (HgVm *self, const char *switch_name, gboolean up,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_replug_switch_async   (HgVm *self, const char *switch_name,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);

/* ---- snapshots (internal, qcow2) -------------------------------------- */

/* TRUE if every writable disk of the config is qcow2 (and there is one);
 * else HG_PROCESS_ERROR_UNSUPPORTED naming [disk:N], its format and the
 * hangarctl disk command that converts it.  The QEMU-level calls below
 * keep no metadata: the snapshot tree is hg-vm-snapshots.h. */
gboolean     hg_vm_check_snapshots_supported (HgVm *self, GError **error);

/* save refuses a name that exists (HG_QMP_ERROR_SNAPSHOT_EXISTS) unless
 * replace; load and delete of a missing name fail with
 * HG_QMP_ERROR_SNAPSHOT_NOT_FOUND.  Both name the VM and the snapshot.
 * Complete with hg_vm_action_finish(). */
void         hg_vm_snapshot_save_async   (HgVm *self, const char *name, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_snapshot_save_full_async (HgVm *self, const char *name, gboolean replace,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_snapshot_load_async   (HgVm *self, const char *name, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_snapshot_delete_async (HgVm *self, const char *name, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
/* _finish: GPtrArray of HgQmpSnapshot (transfer full) */
void         hg_vm_snapshot_list_async   (HgVm *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
GPtrArray   *hg_vm_snapshot_list_finish  (HgVm *self, GAsyncResult *result, GError **error);

/* ---- removable media --------------------------------------------------- */

/* _finish: GPtrArray of HgQmpBlockInfo (transfer full) */
void         hg_vm_media_list_async      (HgVm *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
GPtrArray   *hg_vm_media_list_finish     (HgVm *self, GAsyncResult *result, GError **error);
/* device: a drive name or qdev id from the list; NULL = the only removable
 * drive.  file must exist; format NULL = raw. */
void         hg_vm_media_eject_async     (HgVm *self, const char *device, gboolean force,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
void         hg_vm_media_change_async    (HgVm *self, const char *device, const char *file,
                                          const char *format, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);

/* ---- screen, keys, monitor -------------------------------------------- */

/* Writes a PNG of the display to png_path (QEMU's screendump, converted
 * from PPM by Hangar's own PNG writer when this QEMU cannot write PNG). */
void         hg_vm_screenshot_async      (HgVm *self, const char *png_path,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
/* combo as in hg_qmp_parse_key_combo(): "ctrl-alt-del", "ctrl-alt-f2" */
void         hg_vm_send_keys_async       (HgVm *self, const char *combo,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
/* An HMP command line; _finish returns QEMU's answer text. */
void         hg_vm_monitor_async         (HgVm *self, const char *command_line,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
char        *hg_vm_monitor_finish        (HgVm *self, GAsyncResult *result, GError **error);

G_END_DECLS
