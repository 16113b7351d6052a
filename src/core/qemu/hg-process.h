/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-cmdline.h"
#include "hg-host.h"
#include "hg-proc.h"
#include "hg-qmp-client.h"
#include "hg-runtime.h"
#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * The process manager: spawning QEMU so that it outlives us, and the checks
 * around its runtime directory (libvirt qemu_process.c).
 *
 * A running VM is proven by its pidfile naming a live process whose
 * executable is a qemu-system-* and whose command line names this VM's
 * pidfile (-pidfile; the QMP sockets are passed as fds, hg-cmdline.h).
 * The /proc, pidfd, signal and flock primitives are hg-proc.h.  The "lock" file in the runtime directory is flock()ed only while
 * a start (or a clean-up) is in progress, so that two processes cannot start
 * the same VM at the same moment.
 */

#define HG_PROCESS_ERROR (hg_process_error_quark ())

typedef enum {
  HG_PROCESS_ERROR_FAILED,
  HG_PROCESS_ERROR_ALREADY_RUNNING, /* "VM 'demo' is already running (pid N)" */
  HG_PROCESS_ERROR_BUSY,            /* another process is starting the VM right now */
  HG_PROCESS_ERROR_UNSAFE_PATH,     /* a symlink or foreign-owned file in the runtime dir */
  HG_PROCESS_ERROR_SPAWN,           /* the emulator could not be executed */
  HG_PROCESS_ERROR_EXITED,          /* QEMU exited during start; message has its error lines */
  HG_PROCESS_ERROR_TIMEOUT,         /* QEMU did not answer in time */
  HG_PROCESS_ERROR_NOT_RUNNING,     /* the action needs a running VM */
  HG_PROCESS_ERROR_IDENTITY,        /* a live process that is not this VM's QEMU */
  HG_PROCESS_ERROR_UNSUPPORTED,     /* e.g. internal snapshots on a raw disk */
  HG_PROCESS_ERROR_INVALID_ARGUMENT,/* a bad device name, key, file ... */
} HgProcessError;

GQuark hg_process_error_quark (void);

typedef enum {
  HG_PROCESS_START_NONE   = 0,
  HG_PROCESS_START_PAUSED = 1 << 0,  /* leave the CPUs stopped (-S), e.g. to attach a console first */
  HG_PROCESS_START_THROWAWAY = 1 << 1, /* every disk over a temporary overlay (hg-throwaway.h) */
} HgProcessStartFlags;

/* How long a start may take from spawn to a working QMP connection. */
#define HG_PROCESS_START_TIMEOUT_MS 30000

/* The name of a config's runtime directory: "<uuid>-<digest>", the digest
 * made of the VM directory's canonical path and device:inode, so that a
 * copy of a VM directory (same uuid) never shares the original's runtime
 * directory; the label stands for a missing uuid, and a config without a
 * directory is named by its uuid alone. */
char           *hg_process_runtime_id (HgVmConfig *config);
/* The uuids (labels) that have a runtime directory under runtime_root (NULL:
 * hg_runtime_root()), one readdir: a big library looks no further at the
 * others.  A set of strings. */
GHashTable     *hg_process_runtime_names (const char *runtime_root);
/* The runtime paths of a config: root/vms/<hg_process_runtime_id>. */
HgRuntimePaths *hg_process_runtime_paths_for_config (HgVmConfig *config,
                                                     const char *runtime_root);

/* Creates root, root/vms and paths->dir (0700), refusing symlinks and
 * directories owned by someone else. */
gboolean  hg_process_prepare_runtime_dir (const HgRuntimePaths *paths,
                                          GError              **error);

/* A path in the runtime dir must be absent, or a non-symlink we own. */
gboolean  hg_process_check_path_safe     (const char  *path,
                                          GError     **error);

/* Reads a pidfile.  FALSE (no error) when it does not exist; FALSE with an
 * error when it exists but is not a positive decimal pid. */
gboolean  hg_process_read_pidfile        (const char  *pidfile,
                                          GPid        *out_pid,
                                          GError     **error);

/* TRUE if pid is alive, its executable is a qemu-system-* and its command
 * line names paths->pidfile.  Never signals the process. */
gboolean  hg_process_pid_is_vm_qemu      (GPid                  pid,
                                          const HgRuntimePaths *paths);

/* The pid of this VM's live QEMU, or 0.  Only what the pidfile says,
 * checked with hg_process_pid_is_vm_qemu(). */
GPid      hg_process_find_running        (const HgRuntimePaths *paths);

/* Like hg_process_find_running(), but race-free for signals: the pidfd is
 * opened before the process is proven to be this VM's QEMU, so nothing
 * sent through *out_pidfd can reach a process that took the pid later.
 * Returns the pid and *out_pidfd (-1 on kernels without pidfd; to be
 * closed by the caller), or 0 when the VM does not run (an error only for
 * an unsafe pidfile). */
GPid      hg_process_open_running        (const HgRuntimePaths  *paths,
                                          int                   *out_pidfd,
                                          GError               **error);

/* Removes the sockets and the pidfile (never the log or the lock).  Refuses
 * symlinks and foreign files (leaves them, returns FALSE with an error). */
gboolean  hg_process_clean_runtime       (const HgRuntimePaths *paths,
                                          GError              **error);

/* Takes the per-VM start lock (non-blocking).  Returns an fd >= 0 to be
 * given to hg_process_unlock(), or -1 with HG_PROCESS_ERROR_BUSY. */
int       hg_process_lock                (const HgRuntimePaths *paths,
                                          const char           *label,
                                          GError              **error);
void      hg_process_unlock              (int fd);

/* Binds and listens on the VM's two QMP sockets (paths->qmp, ->qmp_ctl;
 * a dead VM's leftover is replaced, anything unsafe refused).  out_fds[0]
 * is QMP, [1] control; both -1 on failure. */
gboolean  hg_process_listen_qmp          (const HgRuntimePaths  *paths,
                                          int                    out_fds[2],
                                          GError               **error);
/* Hands them to a launcher as the fds the argv names (HG_CMDLINE_QMP_FD,
 * HG_CMDLINE_QMP_CTL_FD); fds become -1 (the launcher closes ours when it
 * goes). */
void      hg_process_launcher_take_qmp   (GSubprocessLauncher   *launcher,
                                          int                    fds[2]);

/* Starts QEMU for config in boot mode, as one state machine (see
 * hg-process.c and docs/DESIGN.md "Start"): prepare in a worker thread
 * (runtime dir, lock, images checked, caps, argv, log, QMP sockets bound)
 * → the VDE switches of the NICs (async) → spawn in its own session,
 * stdin /dev/null, stdout and stderr to paths->log, the QMP sockets as
 * fds → QMP connected at once (capabilities negotiated) → CPUs run
 * (unless START_PAUSED).  caps NULL = hg_host_caps_probe() in the worker.
 * On failure QEMU is killed, the runtime dir cleaned and the error
 * carries QEMU's own error lines. */
void      hg_process_start_async         (HgVmConfig           *config,
                                          HgBootMode            boot_mode,
                                          const HgRuntimePaths *paths,
                                          HgHostCaps           *caps,
                                          HgProcessStartFlags   flags,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
/* Returns the connected QMP client; *out_subprocess (we are QEMU's parent)
 * and *out_pid are set on success; *out_caps (may be NULL) the host caps
 * used, once there are some, even on failure. */
HgQmpClient *hg_process_start_finish     (GAsyncResult  *result,
                                          GSubprocess  **out_subprocess,
                                          GPid          *out_pid,
                                          HgHostCaps   **out_caps,
                                          GError       **error);

G_END_DECLS
