/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-vm.h"

G_BEGIN_DECLS

/* Shared between hg-vm.c (object, state, QMP events, start), hg-vm-watch.c
 * (supervision: the end of a QEMU, waiting for it), hg-vm-attach.c (attach,
 * refresh, detach), hg-vm-actions.c (the QMP actions) and hg-vm-network.c. */
struct _HgVm {
  GObject          parent_instance;

  HgVmConfig      *config;
  char            *runtime_root;
  char            *runtime_id;       /* fixed when first asked for, as the paths are */
  HgRuntimePaths  *paths;
  HgHostCaps      *caps;

  HgVmState        state;
  char            *state_reason;
  char            *log_tail;

  /* the QEMU process while it runs */
  GPid             pid;
  int              pidfd;
  GSource         *exit_source;      /* pidfd readable, or a /proc poll */
  GSubprocess     *subprocess;       /* only when we are its parent */
  GCancellable    *wait_cancel;

  HgQmpClient     *qmp;
  gboolean         qmp_busy;         /* alive and ours, but QMP does not answer
                                      * (held by other clients, or QEMU hangs) */
  guint            attach_timeout_ms;/* greeting timeout per QMP socket */
  gboolean         control_client;   /* attach over qmp-ctl.sock first */
  GPtrArray       *switches;         /* HgSwitch watched for the VDE NICs */
  gboolean         shutdown_seen;    /* SHUTDOWN event: a normal stop */
  gboolean         guest_ended;      /* ... that the guest asked for (poweroff, or a
                                        reboot under -no-reboot) */
  gboolean         stop_asked;       /* hg_vm_shutdown_async asked it to go */
  char            *expected_exit;    /* we asked it to go: the reason to show */

  /* kept by its HgVmManager */
  char            *accel_in_use;     /* what QEMU really uses, asked once per run */
  char            *same_uuid_as;     /* another VM of the library with its uuid */
  gboolean         config_stale;     /* its config changed on disk while it ran */
  gboolean         not_answering;    /* a QMP query-status went unanswered */
  gboolean         pinging;          /* ... and one is out */
};

void     _hg_vm_set_state        (HgVm *self, HgVmState state, const char *reason);
void     _hg_vm_set_pid          (HgVm *self, GPid pid);
void     _hg_vm_set_log_tail     (HgVm *self, const char *tail);
/* The facts an HgVmManager keeps on its VMs (notified on change) */
void     _hg_vm_set_host_caps     (HgVm *self, HgHostCaps *caps);
void     _hg_vm_set_accel_in_use  (HgVm *self, const char *accel);
void     _hg_vm_set_same_uuid_as  (HgVm *self, const char *path);
void     _hg_vm_set_config_stale  (HgVm *self, gboolean stale);
void     _hg_vm_set_not_answering (HgVm *self, gboolean not_answering);
/* The QMP client, or NULL with HG_PROCESS_ERROR_NOT_RUNNING / _BUSY. */
HgQmpClient *_hg_vm_require_qmp  (HgVm *self, GError **error);
/* Marks the coming exit as asked for (reason shown with the stopped state). */
void     _hg_vm_expect_exit      (HgVm *self, const char *reason);

/* hg-vm.c: take over / let go of a connected QMP client. */
void     _hg_vm_adopt_qmp        (HgVm *self, HgQmpClient *qmp);
void     _hg_vm_drop_qmp         (HgVm *self);

/* hg-vm-watch.c: watch the QEMU process (pidfd, else a /proc poll; or the
 * GSubprocess when we are its parent); process_gone settles the state.
 * pidfd: one opened before the process was proven ours (taken), or -1. */
void     _hg_vm_watch_process    (HgVm *self, GPid pid, int pidfd, GSubprocess *subprocess);
/* The runtime dir's "crashed" record (hangarctl shows it until the next
 * start): written when a crash is seen, read by the one-shot refresh. */
void     _hg_vm_record_crash     (HgVm *self, const char *reason);
char    *_hg_vm_read_crash       (HgVm *self);
void     _hg_vm_stop_watching_process (HgVm *self);
void     _hg_vm_process_gone     (HgVm *self, const char *why);

/* Completes when QEMU is gone (state stopped or crashed), or fails with
 * HG_PROCESS_ERROR_TIMEOUT after timeout_ms. */
void     _hg_vm_wait_gone_async  (HgVm *self, guint timeout_ms, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean _hg_vm_wait_gone_finish (HgVm *self, GAsyncResult *result, GError **error);

/* A GTask for an action completed by hg_vm_action_finish() and friends. */
GTask   *_hg_vm_action_task      (HgVm *self, gpointer source_tag, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);

/* hg-vm-network.c: while QMP is attached (not for control clients), the
 * switches of the VDE NICs are watched and the NICs follow them. */
void     _hg_vm_watch_switches   (HgVm *self);
void     _hg_vm_unwatch_switches (HgVm *self);

G_END_DECLS
