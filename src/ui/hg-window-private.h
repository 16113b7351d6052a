/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-details-view.h"
#include "hg-network-view.h"
#include "hg-serial-view.h"
#include "hg-vm.h"
#include "hg-vm-tree.h"
#include "hg-vnc-view.h"
#include "hg-window.h"

G_BEGIN_DECLS

struct _HgWindow
{
  GtkApplicationWindow  parent_instance;

  /* template */
  GtkHeaderBar         *header_bar;
  GtkPaned             *paned;
  HgVmTree             *tree;
  GtkInfoBar           *message_bar;
  GtkLabel             *message_label;
  GtkStack             *pages;
  HgDetailsView        *details;
  HgVncView            *vnc_view;
  HgSerialView         *serial_view;
  HgSerialView         *monitor_view;
  GtkBox               *network_box;
  HgNetworkView        *network_view;  /* made when first shown */
  GtkWindow            *help_overlay;  /* the shortcuts window, made when first shown */

  GStrv                 bases;         /* NULL = default bases */
  GCancellable         *cancellable;   /* cancelled when the window goes */
  GCancellable         *scan_cancellable;
  HgHostCaps           *caps;          /* NULL while the host is probed */
  GHashTable           *vms;           /* config path -> HgVm */
  HgVm                 *current;       /* the selected VM, or NULL */
  char                 *pending_select;/* select this path after the next load */
  GSimpleActionGroup   *vm_actions;
  HgNotifier           *notifier;      /* the application's, watching our VMs */
  GPtrArray            *monitors;      /* GFileMonitor of the bases and folders */
  guint                 reload_id;     /* debounce of file-monitor reloads */

  /* hg-window-runtime.c: VMs started or stopped by other processes */
  char                 *runtime_vms_dir; /* <runtime root>/vms */
  GFileMonitor         *runtime_monitor;
  GHashTable           *runtime_monitors; /* runtime id -> GFileMonitor of its dir */
  GHashTable           *attaching;     /* runtime id -> its attach retry (not owned) */
  guint                 uptime_id;
  guint                 responding_id; /* asks the running VMs whether they answer */
  gboolean              open_display;  /* show the selected VM's display after the load */
  gboolean              scanning;      /* a library scan is under way */
  gboolean              filling;       /* the tree is being (re)filled */
  gboolean              early_display; /* --display: connect before the attach */
  gboolean              early_connected; /* ... and did so: the attach decides */
  gboolean              probe_started; /* the host probe (after the first load) */
  gboolean              scan_deferred; /* the scan waits for the early display */
  gulong                deferred_update_id;
  gulong                deferred_state_id;
  guint                 deferred_timeout_id;
  guint                 settle_id;     /* the early display has settled */
  /* a load that finished before the window's first frame waits for it */
  gboolean              drawn;         /* the first frame is drawn */
  GPtrArray            *pending_entries;
  guint                 fill_id;
};

/* hg-window-new-vm.c: win.new-vm, the creation assistant */
void hg_window_action_new_vm      (GSimpleAction *action,
                                   GVariant      *param,
                                   gpointer       user_data);

/* hg-window-actions.c */
void hg_window_init_vm_actions    (HgWindow *self);
void hg_window_update_vm_actions  (HgWindow *self);

/* hg-window.c */
void hg_window_show_message       (HgWindow       *self,
                                   GtkMessageType  type,
                                   const char     *message);
/* Adds an HgVm for a loaded VM, attaches it if it runs (reattach) and
 * follows its state in the tree. */
void hg_window_add_vm             (HgWindow   *self,
                                   const char *base,
                                   const char *folder,
                                   const char *config_path,
                                   HgVmConfig *config,
                                   const char *error);

/* Points the display and terminals at the selected VM's sockets, or lets
 * go of them */
void hg_window_update_consoles    (HgWindow *self);

/* hg-window-runtime.c */
void  hg_window_init_runtime_watch  (HgWindow *self);
void  hg_window_clear_runtime_watch (HgWindow *self);
void  hg_window_cancel_attaches     (HgWindow *self);
void  hg_window_cancel_attach       (HgWindow *self,
                                     HgVm     *vm);
/* An attach to vm is under way (or waits for a retry) */
gboolean hg_window_is_attaching     (HgWindow *self,
                                     HgVm     *vm);
/* Attaches to vm if it runs, retrying while its QEMU comes up */
void  hg_window_attach_vm           (HgWindow *self,
                                     HgVm     *vm);
/* The same, the first try after delay_ms, or at hg_window_attach_now()
 * if that comes first (--display: QMP waits for the first framebuffer) */
void  hg_window_attach_vm_after     (HgWindow *self,
                                     HgVm     *vm,
                                     guint     delay_ms);
void  hg_window_attach_now          (HgWindow *self,
                                     HgVm     *vm);
/* "pid 1234 · up 3 minutes · tcg · /run/…" or NULL */
char *hg_window_describe_runtime    (HgWindow *self,
                                     HgVm     *vm);
void  hg_window_update_runtime      (HgWindow *self);
/* The state the tree and the details show: HgVm's state name, or
 * "not-responding" while its QEMU does not answer QMP */
const char *hg_window_vm_state_name (HgVm *vm);
/* QMP query-kvm (or QEMU's command line): the accelerator really in use */
void  hg_window_query_accel         (HgWindow *self,
                                     HgVm     *vm);

G_END_DECLS
