/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-new-vm-assistant.h"

G_BEGIN_DECLS

/* Shared by hg-new-vm-assistant.c (object, validation, summary, creation)
 * and hg-new-vm-assistant-pages.c (the pages' own widgets); the widget
 * test reaches the widgets through it, as a user would. */

#define HG_NEW_VM_N_PAGES (HG_VM_SPEC_PAGE_SUMMARY + 1)

struct _HgNewVmAssistant
{
  GtkAssistant       parent_instance;

  /* construct */
  GStrv              bases;
  HgHostCaps        *caps;

  HgVmSpec          *spec;
  GCancellable      *cancellable;      /* cancelled when the assistant goes */
  GCancellable      *create_cancellable;
  GCancellable      *detect_cancellable;
  guint              validate_id;      /* idle revalidation */
  char              *page_errors[HG_NEW_VM_N_PAGES];
  char              *detected_iso;     /* the ISO the OS was detected from */
  gboolean           label_touched;
  gboolean           disk_use_image;   /* "existing image" chosen on the Disk page */
  gboolean           updating;         /* widgets being set from the spec */
  gboolean           created;
  gboolean           summary_seen;
  char              *firmware_from_os;  /* [machine] firmware= this set from libosinfo */
  gboolean           os_list_requested;

  /* express install (hg-new-vm-assistant-express.c) */
  char              *express_iso;       /* the ISO availability was asked for */
  char              *express_os_name;
  char              *express_injection; /* the script's; NULL = not available */
  char              *install_uuid;      /* the hook's media folder, for a failed creation */
  GtkWidget         *express_box;
  GtkWidget         *express_head;
  GtkSwitch         *express_switch;
  GtkLabel          *express_info_label;
  GtkWidget         *express_grid;
  GtkEntry          *express_user_entry;
  GtkEntry          *express_password_entry;
  GtkEntry          *express_confirm_entry;
  GtkEntry          *express_hostname_entry;
  GtkEntry          *express_timezone_entry;
  GtkEntry          *express_keyboard_entry;
  GtkEntry          *express_language_entry;
  GtkLabel          *express_error;
  char              *cloud_detected_image; /* the image its OS was looked up for */
  GtkToggleButton   *cloud_check;
  GtkWidget         *cloud_grid;
  GtkEntry          *cloud_user_entry;
  GtkEntry          *cloud_password_entry;
  GtkEntry          *cloud_confirm_entry;
  GtkFileChooser    *cloud_key_chooser;
  GtkLabel          *cloud_error;

  /* template */
  GtkWidget         *page_name;
  GtkEntry          *label_entry;
  GtkLabel          *label_error;
  GtkComboBoxText   *base_combo;
  GtkEntry          *folder_entry;
  GtkLabel          *location_error;
  GtkLabel          *target_label;

  GtkWidget         *page_source;
  GtkToggleButton   *source_iso_radio;
  GtkFileChooser    *iso_chooser;
  GtkToggleButton   *source_pxe_radio;
  GtkToggleButton   *source_kernel_radio;
  GtkWidget         *kernel_grid;
  GtkFileChooser    *kernel_chooser;
  GtkFileChooser    *initrd_chooser;
  GtkEntry          *append_entry;
  GtkToggleButton   *source_image_radio;
  GtkWidget         *image_box;
  GtkFileChooser    *image_chooser;
  GtkToggleButton   *image_inplace_radio;
  GtkToggleButton   *image_copy_radio;
  GtkToggleButton   *image_convert_radio;
  GtkToggleButton   *source_none_radio;
  GtkToggleButton   *copy_in_check;
  GtkLabel          *source_error;

  GtkWidget         *page_os;
  GtkSpinner        *os_spinner;
  GtkLabel          *os_detect_label;
  GtkSearchEntry    *os_search_entry;
  GtkTreeView       *os_tree;
  GtkTreeSelection  *os_selection;
  GtkListStore      *os_store;
  GtkTreeModelFilter*os_filter;
  GtkLabel          *os_info_label;
  GtkLabel          *os_error;

  GtkWidget         *page_arch;
  GtkComboBoxText   *arch_combo;
  GtkLabel          *arch_info_label;
  GtkToggleButton   *accel_auto_radio;
  GtkToggleButton   *accel_kvm_radio;
  GtkToggleButton   *accel_tcg_radio;
  GtkLabel          *kvm_reason_label;
  GtkLabel          *arch_error;

  GtkWidget         *page_memory;
  GtkSpinButton     *memory_spin;
  GtkSpinButton     *cpus_spin;
  GtkLabel          *memory_hint_label;
  GtkLabel          *memory_warning;
  GtkLabel          *memory_error;

  GtkWidget         *page_disk;
  GtkToggleButton   *disk_new_radio;
  GtkWidget         *disk_size_box;
  GtkSpinButton     *disk_size_spin;
  GtkLabel          *disk_free_label;
  GtkToggleButton   *disk_none_radio;    /* "use an existing image" */
  GtkFileChooser    *disk_image_chooser;
  GtkToggleButton   *disk_empty_radio;
  GtkLabel          *disk_existing_label;
  GtkLabel          *disk_error;

  GtkWidget         *page_network;
  GtkToggleButton   *net_user_radio;
  GtkWidget         *forward_box;
  GtkTreeView       *forward_tree;
  GtkListStore      *forward_store;
  GtkEntry          *forward_entry;
  GtkWidget         *forward_add_button;
  GtkWidget         *forward_remove_button;
  GtkLabel          *forward_error;
  GtkToggleButton   *net_vde_radio;
  GtkComboBoxText   *switch_combo;
  GtkToggleButton   *net_none_radio;
  GtkEntry          *mac_entry;
  GtkWidget         *mac_generate_button;
  GtkLabel          *net_error;

  GtkWidget         *page_console;
  GtkToggleButton   *console_vnc_radio;
  GtkToggleButton   *console_serial_radio;
  GtkToggleButton   *console_sdl_radio;
  GtkToggleButton   *console_none_radio;
  GtkEntry          *keymap_entry;
  GtkLabel          *console_error;

  GtkWidget         *page_summary;
  GtkGrid           *summary_grid;
  GtkTextView       *cmdline_view;
  GtkLabel          *summary_error;
  GtkToggleButton   *start_now_check;

  GtkWidget         *page_progress;
  GtkLabel          *progress_label;
  GtkProgressBar    *progress_bar;
  GtkLabel          *progress_error;
};

/* hg-new-vm-assistant-pages.c */
void hg_new_vm_assistant_pages_class_init (GtkWidgetClass   *widget_class);
/* Fills the lists (bases, arches, OSes, switches) once the spec exists. */
void hg_new_vm_assistant_pages_init       (HgNewVmAssistant *self);
/* Sets the radio groups, files and lists from the spec (what the .ui
 * bindings cannot: enums, files, lists). */
void hg_new_vm_assistant_pages_sync       (HgNewVmAssistant *self);
/* A page is about to be shown. */
void hg_new_vm_assistant_pages_prepare    (HgNewVmAssistant *self,
                                           HgVmSpecPage      page);
/* The property a page's inline error goes under -> that label */
GtkLabel *hg_new_vm_assistant_error_label (HgNewVmAssistant *self,
                                           HgVmSpecPage      page,
                                           const char       *property);

/* hg-new-vm-assistant-express.c */
void       hg_new_vm_assistant_express_init      (HgNewVmAssistant *self);
/* The OS of iso was detected: is there an install script (in a thread) */
void       hg_new_vm_assistant_express_detect    (HgNewVmAssistant *self,
                                                  const char       *iso);
/* Shows the section when iso (NULL: not an ISO source) is the one asked for */
void       hg_new_vm_assistant_express_show      (HgNewVmAssistant *self,
                                                  const char       *iso);
gboolean   hg_new_vm_assistant_express_active    (HgNewVmAssistant *self);
/* NULL, or what is missing (also shown on the OS page) */
char      *hg_new_vm_assistant_express_check     (HgNewVmAssistant *self);
char      *hg_new_vm_assistant_express_summary   (HgNewVmAssistant *self);
HgBootMode hg_new_vm_assistant_express_boot_mode (HgNewVmAssistant *self);
/* Before creation: the answer file generated, the spec's hook set */
gboolean   hg_new_vm_assistant_express_apply     (HgNewVmAssistant  *self,
                                                  GError           **error);
/* A creation failed: its media folder removed */
void       hg_new_vm_assistant_express_abandon   (HgNewVmAssistant *self);
void       hg_new_vm_assistant_express_finalize  (HgNewVmAssistant *self);
/* A cloud image: the cloud-init section under "existing disk image" */
void       hg_new_vm_assistant_cloud_init        (HgNewVmAssistant *self);
gboolean   hg_new_vm_assistant_cloud_active      (HgNewVmAssistant *self);
char      *hg_new_vm_assistant_cloud_check       (HgNewVmAssistant *self);
char      *hg_new_vm_assistant_cloud_summary     (HgNewVmAssistant *self);
gboolean   hg_new_vm_assistant_cloud_apply       (HgNewVmAssistant  *self,
                                                  GError           **error);

/* hg-new-vm-assistant.c */
void hg_new_vm_assistant_queue_validate   (HgNewVmAssistant *self);

G_END_DECLS
