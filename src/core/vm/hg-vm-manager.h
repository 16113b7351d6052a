/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-host.h"
#include "hg-library.h"
#include "hg-vm.h"

G_BEGIN_DECLS

/*
 * HgVmManager — the VMs of one host: a GListModel of HgVm in library order
 * (base, folder, label), one per VM whose config loads.  It owns what every
 * view of a library needs (gnome-text-editor's EditorSession beside its
 * window): the scan of the base folders (in a thread), the directory
 * monitors and their debounced reload, the watch of the runtime directory
 * that attaches to VMs started by others (with retries while their QEMU
 * comes up), the "not responding" poll, the accelerator each running VM
 * really uses, the duplicate-uuid marks, and one HgHostCaps probed once
 * off the main thread and shared by every VM (VMs made before it landed
 * get it when it does).
 *
 * A reload keeps the HgVm of a VM that runs (its QMP, display and
 * terminals stay connected; an edited config marks it "config-stale" and
 * it is made anew once it stopped), of one being attached to, and of a
 * stopped one whose config did not change: items-changed covers only
 * what really changed.
 *
 * Nothing happens until the first hg_vm_manager_reload() (a live view:
 * everything above runs from then on, in the thread-default main context
 * of the caller) or hg_vm_manager_load_sync() (a one-shot look, no
 * watches: hangarctl).
 *
 * Signals:
 *   "loaded"        void (*) (HgVmManager *, gpointer): a load was applied
 *                   (the model and hg_vm_manager_get_entries() are new)
 *   "attach-ended"  void (*) (HgVmManager *, HgVm *vm, gpointer): an attach
 *                   to vm (hg_vm_manager_attach()) gave up or succeeded
 *   "vm-notify"     void (*) (HgVmManager *, HgVm *vm, GParamSpec *pspec,
 *                   gpointer), detailed by the property's name: "notify"
 *                   of any VM of a live manager (one handler for all)
 * Properties:
 *   "host-caps"     gpointer (HgHostCaps*, read-only, notified when the
 *                   probe lands)
 */

#define HG_TYPE_VM_MANAGER (hg_vm_manager_get_type ())
G_DECLARE_FINAL_TYPE (HgVmManager, hg_vm_manager, HG, VM_MANAGER, GObject)

/* bases NULL: the default base (hg_library_default_bases()) */
HgVmManager *hg_vm_manager_new             (const char * const *bases);
/* Other bases, looked at from the next load */
void         hg_vm_manager_set_bases       (HgVmManager        *self,
                                            const char * const *bases);
/* The bases looked at (the defaults when made with NULL); free with g_strfreev */
GStrv        hg_vm_manager_dup_bases       (HgVmManager        *self);

/* Scans the bases again in a thread and applies the result ("loaded").
 * The first call makes the manager live (watches, polls, the host probe
 * after the first load). */
void         hg_vm_manager_reload          (HgVmManager *self);
/* Stops a scan under way or due (it is not applied) */
void         hg_vm_manager_cancel_reload   (HgVmManager *self);
/* A load is under way, or due (a change on disk was seen) */
gboolean     hg_vm_manager_is_loading      (HgVmManager *self);

/* Every entry of the last load, broken configs included (HgLibraryEntry*,
 * transfer none).  A live manager lets go of them after "loaded": a view
 * that needs them later takes a reference then.  A one-shot manager
 * keeps them. */
GPtrArray   *hg_vm_manager_get_entries     (HgVmManager *self);
/* The HgVm of a config path, or NULL (transfer none) */
HgVm        *hg_vm_manager_lookup          (HgVmManager *self,
                                            const char  *config_path);
/* NULL until the host probe landed (transfer none) */
HgHostCaps  *hg_vm_manager_get_host_caps   (HgVmManager *self);
/* VMs starting, running, paused or shutting down */
guint        hg_vm_manager_count_running   (HgVmManager *self);

/* Adds the VM of config ahead of a load (a view that shows one VM at
 * once, hangar --display; the load keeps it while it is being attached
 * to) or outside of one (hangarctl info).  In a live manager its attach
 * starts after attach_delay_ms, or at hg_vm_manager_attach_now().
 * Returns the VM (transfer none); the one already there if any. */
HgVm        *hg_vm_manager_add             (HgVmManager *self,
                                            HgVmConfig  *config,
                                            guint        attach_delay_ms);
/* Attaches to vm if it runs, retrying while its QEMU comes up */
void         hg_vm_manager_attach          (HgVmManager *self,
                                            HgVm        *vm);
void         hg_vm_manager_attach_now      (HgVmManager *self,
                                            HgVm        *vm);
/* An attach to vm is under way (or waits for a retry) */
gboolean     hg_vm_manager_is_attaching    (HgVmManager *self,
                                            HgVm        *vm);

/* One-shot: scans the bases and looks at the VMs that may run (a pidfile
 * or crash record in their runtime dir), all in parallel
 * (hg_vm_refresh_states(): over the control socket, each QMP greeting
 * given look_timeout_ms).  Iterates the thread-default main context;
 * not for a GUI. */
void         hg_vm_manager_load_sync       (HgVmManager *self,
                                            guint        look_timeout_ms);
/* The look of hg_vm_manager_load_sync() alone, at the VMs there now */
void         hg_vm_manager_refresh_sync    (HgVmManager *self,
                                            guint        look_timeout_ms);

G_END_DECLS
