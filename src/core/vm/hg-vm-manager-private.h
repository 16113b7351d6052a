/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-vm-manager.h"

G_BEGIN_DECLS

/* Shared by hg-vm-manager.c (the object, its model, the library, the host
 * probe) and hg-vm-manager-runtime.c (what runs: attach with retries, the
 * runtime-directory watch, the not-responding poll, the accelerator in
 * use), which calls nothing of the former. */
struct _HgVmManager
{
  GObject        parent_instance;

  GStrv          bases;            /* NULL = the default bases */
  GPtrArray     *vms;              /* HgVm: the model */
  GHashTable    *by_path;          /* config path -> HgVm (in vms) */
  GPtrArray     *entries;          /* HgLibraryEntry of the last load */
  HgHostCaps    *caps;             /* NULL while the host is probed */

  GCancellable  *cancellable;      /* cancelled when the manager goes */
  GCancellable  *scan_cancellable;
  gboolean       loading;
  gboolean       live;             /* watches and polls are on */
  gboolean       probe_started;
  GPtrArray     *monitors;         /* GFileMonitor of the bases and folders */
  guint          reload_id;        /* debounce of file-monitor reloads */

  char          *runtime_vms_dir;  /* <runtime root>/vms */
  GFileMonitor  *runtime_monitor;
  GHashTable    *runtime_monitors; /* runtime id -> GFileMonitor of its dir */
  GHashTable    *attaching;        /* runtime id -> AttachRetry (not owned) */
  guint          responding_id;
};

/* hg-vm-manager-runtime.c */
/* Attaches to vm if it runs, the first try after delay_ms */
void     _hg_vm_manager_attach_after    (HgVmManager *self,
                                         HgVm        *vm,
                                         guint        delay_ms);
/* vm leaves the manager: its attach under way (if any) stops */
void     _hg_vm_manager_cancel_attach   (HgVmManager *self,
                                         HgVm        *vm);
void     _hg_vm_manager_cancel_attaches (HgVmManager *self);
/* Watches <runtime root>/vms for VMs started by others */
void     _hg_vm_manager_watch_runtime   (HgVmManager *self);
/* A g_timeout source: asks the running VMs whether they answer */
gboolean _hg_vm_manager_responding_tick (gpointer     data);
#define  HG_VM_MANAGER_RESPONDING_POLL_MS 1000
/* Asks a running VM which accelerator it really uses (once per run) */
void     _hg_vm_manager_query_accel     (HgVmManager *self,
                                         HgVm        *vm);
void     _hg_vm_manager_monitor_free    (gpointer     monitor);

G_END_DECLS
