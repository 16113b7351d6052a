/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-properties-dialog.h"

struct _HgPropertiesDialog
{
  HgVmDialog            parent_instance;

  GtkFileChooserNative *chooser;

  /* template */
  GtkLabel             *running_note;
  GtkWidget            *grid;
  GtkSpinButton        *memory_spin;
  GtkSpinButton        *cpus_spin;
  GtkComboBoxText      *boot_combo;
  GtkEntry             *iso_entry;
  GtkComboBoxText      *net_mode_combo;
  GtkEntry             *switch_entry;
  GtkEntry             *mac_entry;
  GtkComboBoxText      *nic_model_combo;
  GtkComboBoxText      *console_combo;
  GtkComboBoxText      *firmware_combo;
  GtkToggleButton      *tpm_check;
  GtkLabel             *trust_title;
  GtkLabel             *allow_backing_label;
  GtkWidget            *save_button;
  HgForwardsEditor     *forwards_editor;
  HgDisksEditor        *disks_editor;
  HgSharesEditor       *shares_editor;
};

G_DEFINE_FINAL_TYPE (HgPropertiesDialog, hg_properties_dialog, HG_TYPE_VM_DIALOG)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What the user asked for, applied to a fresh copy of the config */
typedef struct {
  char       *path;
  guint       memory_mib;
  guint       cpus;
  HgBootMode  boot_mode;
  char       *iso;          /* "" = empty drive */
  HgNetMode   net_mode;
  char       *switch_name;
  char       *mac;          /* "" = generate */
  char       *model;
  HgConsole   console;
  HgFirmwareKind firmware;
  gboolean    tpm;
} Edits;

static void
edits_free (Edits *edits)
{
  g_free (edits->path);
  g_free (edits->iso);
  g_free (edits->switch_name);
  g_free (edits->mac);
  g_free (edits->model);
  g_free (edits);
}

const char *
hg_properties_dialog_get_error (HgPropertiesDialog *self)
{
  g_return_val_if_fail (HG_IS_PROPERTIES_DIALOG (self), NULL);
  return hg_vm_dialog_get_error (HG_VM_DIALOG (self));
}

HgForwardsEditor *
hg_properties_dialog_get_forwards_editor (HgPropertiesDialog *self)
{
  g_return_val_if_fail (HG_IS_PROPERTIES_DIALOG (self), NULL);
  return self->forwards_editor;
}

HgDisksEditor *
hg_properties_dialog_get_disks_editor (HgPropertiesDialog *self)
{
  g_return_val_if_fail (HG_IS_PROPERTIES_DIALOG (self), NULL);
  return self->disks_editor;
}

HgSharesEditor *
hg_properties_dialog_get_shares_editor (HgPropertiesDialog *self)
{
  g_return_val_if_fail (HG_IS_PROPERTIES_DIALOG (self), NULL);
  return self->shares_editor;
}

static void
hg_properties_dialog_update (HgVmDialog *dialog)
{
  HgPropertiesDialog *self = HG_PROPERTIES_DIALOG (dialog);
  gboolean running = hg_vm_is_active (hg_vm_dialog_get_vm (dialog));
  gboolean editable = !running && !hg_vm_dialog_is_busy (dialog);
  const char *mode = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->net_mode_combo));
  gboolean has_nic = g_strcmp0 (mode, "none") != 0;

  gtk_widget_set_visible (GTK_WIDGET (self->running_note), running);
  gtk_widget_set_sensitive (self->grid, editable);
  gtk_widget_set_sensitive (self->save_button, editable);
  gtk_widget_set_sensitive (GTK_WIDGET (self->switch_entry), g_strcmp0 (mode, "vde") == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mac_entry), has_nic);
  gtk_widget_set_sensitive (GTK_WIDGET (self->nic_model_combo), has_nic);
}

/* [disk:N] allow-backing, shown (read-only: it is set in the config file)
 * for the disks that have it, so that a folder from someone else cannot
 * quietly trust a host file */
static void
fill_allow_backing (HgPropertiesDialog *self,
                    HgVmConfig         *config)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < config->disks->len; i++)
    {
      HgDisk *disk = g_ptr_array_index (config->disks, i);
      g_autofree char *list = NULL;

      if (disk->allow_backing == NULL || disk->allow_backing[0] == NULL)
        continue;
      list = g_strjoinv (", ", disk->allow_backing);
      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* TRANSLATORS: "Disk 1 (top.qcow2) may use backing files in: /srv/base" */
      g_string_append_printf (text, _("Disk %u (%s) may use backing files in: %s"), i + 1,
                              disk->path != NULL ? disk->path : "", list);
    }
  if (text->len > 0)
    g_string_append (text, _("\n(allow-backing in the VM's config file)"));
  gtk_label_set_text (self->allow_backing_label, text->str);
  gtk_widget_set_visible (GTK_WIDGET (self->trust_title), text->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->allow_backing_label), text->len > 0);
}

static void
fill (HgPropertiesDialog *self)
{
  HgVmConfig *config = hg_vm_get_config (hg_vm_dialog_get_vm (HG_VM_DIALOG (self)));
  HgMedium *cdrom = hg_vm_config_get_medium (config, HG_MEDIUM_CDROM);
  HgNic *nic = config->nics->len > 0 ? g_ptr_array_index (config->nics, 0) : NULL;
  g_autofree char *title = g_strdup_printf (_("Properties of %s"), config->label);

  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_spin_button_set_value (self->memory_spin, config->memory_mib);
  gtk_spin_button_set_value (self->cpus_spin, config->cpus);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->boot_combo), hg_boot_mode_to_string (config->boot_mode));
  gtk_entry_set_text (self->iso_entry, cdrom != NULL && cdrom->path != NULL ? cdrom->path : "");
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->net_mode_combo),
                               hg_net_mode_to_string (nic != NULL ? nic->mode : HG_NET_NONE));
  gtk_entry_set_text (self->switch_entry, nic != NULL && nic->switch_name != NULL ? nic->switch_name : "default");
  gtk_entry_set_text (self->mac_entry, nic != NULL && nic->mac != NULL ? nic->mac : "");
  gtk_entry_set_text (GTK_ENTRY (gtk_bin_get_child (GTK_BIN (self->nic_model_combo))),
                      nic != NULL && nic->model != NULL ? nic->model : "");
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->console_combo), hg_console_to_string (config->console));
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->firmware_combo), hg_firmware_kind_to_string (config->firmware));
  gtk_toggle_button_set_active (self->tpm_check, config->tpm);
  fill_allow_backing (self, config);
  hg_forwards_editor_set_vm (self->forwards_editor, hg_vm_dialog_get_vm (HG_VM_DIALOG (self)));
  hg_disks_editor_set_vm (self->disks_editor, hg_vm_dialog_get_vm (HG_VM_DIALOG (self)));
  hg_shares_editor_set_vm (self->shares_editor, hg_vm_dialog_get_vm (HG_VM_DIALOG (self)));
  hg_vm_dialog_update (HG_VM_DIALOG (self));
}

/* a forward or disk added or removed is saved already: the library shows it now */
static void
on_forwards_changed (HgPropertiesDialog *self)
{
  HgVm *vm = hg_vm_dialog_get_vm (HG_VM_DIALOG (self));

  g_signal_emit (self, signals[SAVED], 0, hg_vm_get_config (vm)->path);
}

static void
on_net_mode_changed (HgPropertiesDialog *self)
{
  hg_vm_dialog_update (HG_VM_DIALOG (self));
}

static void
on_generate_mac_clicked (HgPropertiesDialog *self)
{
  g_autofree char *mac = hg_mac_generate ();
  gtk_entry_set_text (self->mac_entry, mac);
}

/* ---- ISO chooser ---------------------------------------------------------- */

void
hg_properties_dialog_set_iso (HgPropertiesDialog *self,
                              const char         *path)
{
  g_return_if_fail (HG_IS_PROPERTIES_DIALOG (self));
  gtk_entry_set_text (self->iso_entry, path != NULL ? path : "");
}

static void
on_chooser_response (GtkNativeDialog    *chooser,
                     int                 response,
                     HgPropertiesDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));
      hg_properties_dialog_set_iso (self, path);
    }
  g_clear_object (&self->chooser);
}

static GtkFileFilter *
image_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Disc and floppy images"));
  gtk_file_filter_add_mime_type (filter, "application/x-cd-image");
  gtk_file_filter_add_pattern (filter, "*.iso");
  gtk_file_filter_add_pattern (filter, "*.ISO");
  gtk_file_filter_add_pattern (filter, "*.img");
  gtk_file_filter_add_pattern (filter, "*.IMG");
  return filter;
}

static void
on_choose_iso_clicked (HgPropertiesDialog *self)
{
  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose a CD/DVD Image"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), image_filter ());
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- save ------------------------------------------------------------------ */

static HgNic *
first_nic (HgVmConfig *config,
           HgNetMode   mode)
{
  if (config->nics->len == 0)
    g_ptr_array_add (config->nics, hg_nic_new (mode));
  return g_ptr_array_index (config->nics, 0);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Edits *edits = task_data;
  g_autoptr(HgVmConfig) config = NULL;
  GError *error = NULL;
  HgMedium *cdrom;

  /* a fresh copy: whatever else changed on disk is kept */
  config = hg_vm_config_load (edits->path, &error);
  if (config == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  config->memory_mib = edits->memory_mib;
  config->cpus = edits->cpus;
  config->boot_mode = edits->boot_mode;
  config->console = edits->console;
  config->firmware = edits->firmware;
  config->tpm = edits->tpm;

  cdrom = hg_vm_config_get_medium (config, HG_MEDIUM_CDROM);
  if (edits->iso[0] != '\0')
    {
      g_autofree char *absolute = hg_vm_config_resolve_path (config, edits->iso);

      if (!g_file_test (absolute, G_FILE_TEST_IS_REGULAR))
        {
          g_task_return_new_error (task, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE,
                                   _("The CD/DVD image %s does not exist"), absolute);
          return;
        }
      if (cdrom == NULL)
        g_ptr_array_add (config->media, (cdrom = hg_medium_new (HG_MEDIUM_CDROM, NULL)));
      g_free (cdrom->path);
      cdrom->path = g_strdup (edits->iso);
    }
  else if (cdrom != NULL)
    {
      g_free (cdrom->path);
      cdrom->path = g_strdup ("");
    }

  if (edits->net_mode != HG_NET_NONE || config->nics->len > 0)
    {
      HgNic *nic = first_nic (config, edits->net_mode);

      nic->mode = edits->net_mode;
      if (edits->net_mode == HG_NET_VDE)
        {
          g_free (nic->switch_name);
          nic->switch_name = g_strdup (edits->switch_name[0] != '\0' ? edits->switch_name : "default");
        }
      if (edits->mac[0] != '\0')
        {
          g_free (nic->mac);
          nic->mac = g_strdup (edits->mac);
        }
      else if (nic->mac == NULL)
        nic->mac = hg_mac_generate ();
      g_free (nic->model);
      nic->model = edits->model[0] != '\0' ? g_strdup (edits->model) : NULL;
    }

  if (!hg_vm_config_validate (config, &error) || !hg_vm_config_save (config, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HgPropertiesDialog) self = user_data;
  HgVmDialog *dialog = HG_VM_DIALOG (self);
  g_autoptr(GError) error = NULL;
  gboolean saved = g_task_propagate_boolean (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  hg_vm_dialog_end (dialog);
  if (!saved)
    {
      hg_vm_dialog_show_error (dialog, error->message);
      return;
    }
  g_signal_emit (self, signals[SAVED], 0, hg_vm_get_config (hg_vm_dialog_get_vm (dialog))->path);
  gtk_widget_destroy (GTK_WIDGET (self));
}

void
hg_properties_dialog_save (HgPropertiesDialog *self)
{
  g_autoptr(GTask) task = NULL;
  Edits *edits;
  const char *mac;
  const char *id;
  HgBootMode boot_mode;
  HgNetMode net_mode;
  HgConsole console;
  g_autofree char *refusal = NULL;
  HgVmDialog *dialog;
  HgVm *vm;

  g_return_if_fail (HG_IS_PROPERTIES_DIALOG (self));

  dialog = HG_VM_DIALOG (self);
  vm = hg_vm_dialog_get_vm (dialog);
  refusal = g_strdup_printf (_("%s is running: shut it down to change its properties"),
                             hg_vm_get_label (vm));
  if (!hg_vm_dialog_may_change (dialog, refusal))
    return;
  mac = gtk_entry_get_text (self->mac_entry);
  id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->net_mode_combo));
  if (id == NULL || !hg_net_mode_from_string (id, &net_mode))
    net_mode = HG_NET_NONE;
  if (net_mode != HG_NET_NONE && mac[0] != '\0' && !hg_mac_is_valid (mac))
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not a MAC address: use six hex bytes "
                                                    "separated by colons, like 52:54:00:12:34:56"), mac);
      hg_vm_dialog_show_error (dialog, message);
      gtk_widget_grab_focus (GTK_WIDGET (self->mac_entry));
      return;
    }
  id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->boot_combo));
  if (id == NULL || !hg_boot_mode_from_string (id, &boot_mode))
    boot_mode = HG_BOOT_DISK;
  id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->console_combo));
  if (id == NULL || !hg_console_from_string (id, &console))
    console = HG_CONSOLE_VNC;

  edits = g_new0 (Edits, 1);
  edits->path = g_strdup (hg_vm_get_config (vm)->path);
  edits->memory_mib = (guint) gtk_spin_button_get_value_as_int (self->memory_spin);
  edits->cpus = (guint) gtk_spin_button_get_value_as_int (self->cpus_spin);
  edits->boot_mode = boot_mode;
  edits->iso = g_strstrip (g_strdup (gtk_entry_get_text (self->iso_entry)));
  edits->net_mode = net_mode;
  edits->switch_name = g_strstrip (g_strdup (gtk_entry_get_text (self->switch_entry)));
  edits->mac = g_strstrip (g_strdup (mac));
  edits->model = g_strstrip (gtk_combo_box_text_get_active_text (self->nic_model_combo));
  if (edits->model == NULL)
    edits->model = g_strdup ("");
  edits->console = console;
  id = gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->firmware_combo));
  if (id == NULL || !hg_firmware_kind_from_string (id, &edits->firmware))
    edits->firmware = HG_FIRMWARE_BIOS;
  edits->tpm = gtk_toggle_button_get_active (self->tpm_check);

  hg_vm_dialog_show_error (dialog, NULL);
  hg_vm_dialog_begin (dialog);
  task = g_task_new (NULL, hg_vm_dialog_get_cancellable (dialog), on_saved, g_object_ref (self));
  g_task_set_source_tag (task, hg_properties_dialog_save);
  g_task_set_task_data (task, edits, (GDestroyNotify) edits_free);
  g_task_run_in_thread (task, save_thread);
}

static void
on_save_clicked (HgPropertiesDialog *self)
{
  hg_properties_dialog_save (self);
}

static void
on_cancel_clicked (HgPropertiesDialog *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

/* ---- GObject ----------------------------------------------------------------- */

HgPropertiesDialog *
hg_properties_dialog_new (GtkWindow *parent,
                          HgVm      *vm)
{
  g_return_val_if_fail (HG_IS_VM (vm), NULL);
  return g_object_new (HG_TYPE_PROPERTIES_DIALOG, "transient-for", parent, "vm", vm, NULL);
}

static void
hg_properties_dialog_constructed (GObject *object)
{
  HgPropertiesDialog *self = HG_PROPERTIES_DIALOG (object);

  G_OBJECT_CLASS (hg_properties_dialog_parent_class)->constructed (object);
  g_signal_connect_object (self->forwards_editor, "changed", G_CALLBACK (on_forwards_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->disks_editor, "changed", G_CALLBACK (on_forwards_changed),
                           self, G_CONNECT_SWAPPED);
  /* a share added or removed is saved already, as a forward is */
  g_signal_connect_object (self->shares_editor, "changed", G_CALLBACK (on_forwards_changed),
                           self, G_CONNECT_SWAPPED);
  fill (self);
}

static void
hg_properties_dialog_dispose (GObject *object)
{
  HgPropertiesDialog *self = HG_PROPERTIES_DIALOG (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);

  G_OBJECT_CLASS (hg_properties_dialog_parent_class)->dispose (object);
}

static void
hg_properties_dialog_class_init (HgPropertiesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  HgVmDialogClass *vm_dialog_class = HG_VM_DIALOG_CLASS (klass);

  object_class->constructed = hg_properties_dialog_constructed;
  object_class->dispose = hg_properties_dialog_dispose;

  vm_dialog_class->update = hg_properties_dialog_update;

  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-properties-dialog.ui");
  hg_vm_dialog_class_bind_template (widget_class);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, running_note);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, grid);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, memory_spin);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, cpus_spin);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, boot_combo);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, iso_entry);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, net_mode_combo);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, switch_entry);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, mac_entry);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, nic_model_combo);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, console_combo);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, firmware_combo);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, tpm_check);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, trust_title);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, allow_backing_label);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, save_button);
  g_type_ensure (HG_TYPE_FORWARDS_EDITOR);
  g_type_ensure (HG_TYPE_DISKS_EDITOR);
  g_type_ensure (HG_TYPE_SHARES_EDITOR);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, forwards_editor);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, disks_editor);
  gtk_widget_class_bind_template_child (widget_class, HgPropertiesDialog, shares_editor);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_iso_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_generate_mac_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_net_mode_changed);
}

static void
hg_properties_dialog_init (HgPropertiesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
