/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * HgSwitch — one per-user VDE switch (the manual's ctys-setupVDE, without
 * root): `vde_switch` run as the user, in its own session so that it
 * outlives Hangar, with everything under
 *   <runtime root>/switches/<name>/      (0700)
 *     data/          vde_switch -s (0700; its sockets 0600)
 *     mgmt.sock      vde_switch -M (0600)
 *     vde_switch.pid switch.log lock
 *
 * A running switch is proven by its pidfile naming a live vde_switch whose
 * command line names this mgmt.sock.  Ports (which VM on which port, with
 * traffic counters) come from the management socket (`port/allprint`);
 * libvdeplug (vde_open on the data socket) checks that it answers.
 *
 * Supervision (hg_switch_watch): the switch's process is watched through a
 * pidfd; when it dies "link-down" is emitted, and a switch that was killed
 * (its pidfile left behind) is restarted, then "link-up" is emitted.  A
 * switch stopped on purpose (hangarctl switch stop, "shutdown") removes its
 * pidfile and is not restarted; "stopped" is emitted instead.
 *
 * Note: QEMU's VDE backend does not reconnect by itself; a VM that was
 * plugged into a switch that died keeps a dead plug until Hangar re-plugs
 * it (see docs/DESIGN.md) or the VM is restarted.
 */

#define HG_SWITCH_ERROR (hg_switch_error_quark ())

typedef enum {
  HG_SWITCH_ERROR_FAILED,
  HG_SWITCH_ERROR_INVALID_NAME,   /* not [A-Za-z0-9._-], starts with . or -, too long */
  HG_SWITCH_ERROR_MISSING,        /* vde_switch is not installed */
  HG_SWITCH_ERROR_UNSAFE_PATH,    /* a symlink or a foreign file in the switch dir */
  HG_SWITCH_ERROR_BUSY,           /* another process is starting it right now */
  HG_SWITCH_ERROR_SPAWN,          /* vde_switch could not be executed or exited at once */
  HG_SWITCH_ERROR_TIMEOUT,        /* no answer in time */
  HG_SWITCH_ERROR_NOT_RUNNING,
  HG_SWITCH_ERROR_PROTOCOL,       /* the management socket said something unexpected */
  HG_SWITCH_ERROR_NOT_FOUND,      /* no such switch */
} HgSwitchError;

GQuark hg_switch_error_quark (void);

/* How long a switch may take to create its sockets. */
#define HG_SWITCH_START_TIMEOUT_MS 5000
/* Management commands and libvdeplug checks. */
#define HG_SWITCH_IO_TIMEOUT_MS    3000

/* One plug on a port: a QEMU NIC, vde_plug2tap, a libvdeplug check ... */
typedef struct {
  guint  id;          /* endpoint ID */
  char  *module;      /* "unix" */
  char  *descr;       /* what the plug said ("QEMU", "vdeplug:", ...) */
  char  *user;        /* user=... */
  GPid   pid;         /* pid=... or 0 */
  char  *program;     /* basename of /proc/<pid>/exe when visible, or NULL */
  char  *vm_label;    /* the VM whose QEMU this is (-name guest=...), or NULL */
} HgSwitchEndpoint;

typedef struct {
  guint      number;
  gboolean   active;
  guint      vlan;
  char      *user;        /* "Current User" */
  guint64    in_packets;
  guint64    in_bytes;
  guint64    out_packets;
  guint64    out_bytes;
  GPtrArray *endpoints;   /* HgSwitchEndpoint* */
} HgSwitchPort;

void hg_switch_port_free (HgSwitchPort *port);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgSwitchPort, hg_switch_port_free)

/* Parses the text of `port/allprint` (between the DATA line and the "."),
 * filling program and vm_label from /proc.  Never fails: unknown lines are
 * skipped.  Returns HgSwitchPort* (ports with endpoints and active ports). */
GPtrArray *hg_switch_parse_ports (const char *text);

/* [A-Za-z0-9._-]{1,64}, not starting with . or - (the rule of [net] switch). */
gboolean   hg_switch_name_is_valid (const char *name, GError **error);

/* Names of the switches that have a directory under root/switches, sorted.
 * root NULL = hg_runtime_root(). */
GStrv      hg_switch_list_names (const char *root);

#define HG_TYPE_SWITCH (hg_switch_get_type ())
G_DECLARE_FINAL_TYPE (HgSwitch, hg_switch, HG, SWITCH, GObject)

/*
 * Properties (read-only unless said):
 *   "name"          char*    construct-only
 *   "runtime-root"  char*    construct-only (NULL = hg_runtime_root())
 *   "vde-switch"    char*    construct-only, path of vde_switch (NULL = $PATH)
 *   "running"       gboolean notified when the watch sees a change
 *   "pid"           int
 *   "auto-restart"  gboolean read-write, default TRUE: restart a killed switch
 * Signals:
 *   "link-down" ()          the switch died (or was stopped); its NICs are down
 *   "link-up"   ()          the switch was (re)started and answers
 *   "stopped"   ()          it was stopped on purpose (no restart)
 *   "restart-failed" (const GError *error)
 */
HgSwitch   *hg_switch_new           (const char *runtime_root, const char *name);
HgSwitch   *hg_switch_new_full      (const char *runtime_root, const char *name,
                                     const char *vde_switch_path);

const char *hg_switch_get_name      (HgSwitch *self);
const char *hg_switch_get_dir       (HgSwitch *self);
const char *hg_switch_get_data_path (HgSwitch *self);   /* dir/data, for -netdev vde,sock= */
const char *hg_switch_get_mgmt_path (HgSwitch *self);
const char *hg_switch_get_pidfile   (HgSwitch *self);
const char *hg_switch_get_log_path  (HgSwitch *self);

/* The pid of this switch's live vde_switch (checked), or 0. */
GPid        hg_switch_find_running  (HgSwitch *self);
gboolean    hg_switch_get_running   (HgSwitch *self);

/* Starts it unless it runs already (then TRUE at once).  Waits until the
 * management socket answers; the sockets are made 0600 and the dirs 0700.
 * vde_switch's output goes to switch.log; a failure carries its last lines. */
void        hg_switch_start_async   (HgSwitch            *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean    hg_switch_start_finish  (HgSwitch *self, GAsyncResult *result, GError **error);

/* Asks the switch to shut down (management "shutdown", SIGTERM if it does
 * not answer) and waits for it to go.  Not running: error NOT_RUNNING. */
gboolean    hg_switch_stop_sync     (HgSwitch *self, GError **error);

/* libvdeplug: vde_open() on the data socket and vde_close(). */
gboolean    hg_switch_check_answers (HgSwitch *self, GError **error);

/* Runs one management command; returns the data lines (may be "") or NULL
 * with an error naming the command and the switch's answer. */
char       *hg_switch_mgmt_command_sync (HgSwitch *self, const char *command,
                                         GCancellable *cancellable, GError **error);

/* port/allprint, parsed (HgSwitchPort*). */
GPtrArray  *hg_switch_list_ports_sync   (HgSwitch *self, GCancellable *cancellable,
                                         GError **error);
/* The same in a worker thread. */
void        hg_switch_list_ports_async  (HgSwitch            *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GPtrArray  *hg_switch_list_ports_finish (HgSwitch *self, GAsyncResult *result, GError **error);

/* Starts watching the process (in the thread-default main context): see
 * "Supervision" above.  Watching a switch that is not running does nothing
 * until it is started through this object. */
void        hg_switch_watch         (HgSwitch *self);

/* The hook of the VM start path: the switch runs (started now if needed)
 * and answers, without blocking the caller's main context.  root NULL =
 * hg_runtime_root(). */
void        hg_switch_ensure_running_async  (const char          *root,
                                             const char          *name,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean    hg_switch_ensure_running_finish (GAsyncResult *result, GError **error);

G_END_DECLS
