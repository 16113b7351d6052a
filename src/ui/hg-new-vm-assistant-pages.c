/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hg-disk-image.h"
#include "hg-new-vm-assistant-private.h"
#include "hg-osinfo.h"
#include "hg-switch.h"

/*
 * The pages' own widgets: what the .ui bindings cannot carry (radio groups
 * for enum properties, file choosers, the OS and port-forward lists, the
 * disk size in GiB) in both directions between the widgets and the spec,
 * and the hints beside them (emulator, KVM verdict, host limits, free
 * space).  Changes from the widgets go into the spec; the spec's notify
 * brings everything back through hg_new_vm_assistant_pages_sync().
 */

#define GIB ((guint64) 1024 * 1024 * 1024)

enum { OS_COL_NAME, OS_COL_ID, OS_COL_SEARCH };
enum { FWD_COL_TEXT, FWD_COL_INDEX };

GtkLabel *
hg_new_vm_assistant_error_label (HgNewVmAssistant *self,
                                 HgVmSpecPage      page,
                                 const char       *property)
{
  switch (page)
    {
    case HG_VM_SPEC_PAGE_NAME:
      return property == NULL || g_str_equal (property, "label") ? self->label_error
                                                                : self->location_error;
    case HG_VM_SPEC_PAGE_SOURCE:  return self->source_error;
    case HG_VM_SPEC_PAGE_OS:      return self->os_error;
    case HG_VM_SPEC_PAGE_ARCH:    return self->arch_error;
    case HG_VM_SPEC_PAGE_MEMORY:  return self->memory_error;
    case HG_VM_SPEC_PAGE_DISK:    return self->disk_error;
    case HG_VM_SPEC_PAGE_NETWORK: return self->net_error;
    case HG_VM_SPEC_PAGE_CONSOLE: return self->console_error;
    case HG_VM_SPEC_PAGE_SUMMARY: return self->summary_error;
    default:                      return NULL;
    }
}

/* ---- small helpers -------------------------------------------------------- */

static void
set_active (GtkToggleButton *button)
{
  if (!gtk_toggle_button_get_active (button))
    gtk_toggle_button_set_active (button, TRUE);
}

static void
set_chooser (GtkFileChooser *chooser,
             const char     *path)
{
  g_autofree char *current = gtk_file_chooser_get_filename (chooser);

  if (path == NULL || path[0] == '\0')
    {
      if (current != NULL)
        gtk_file_chooser_unselect_all (chooser);
    }
  else if (g_strcmp0 (current, path) != 0)
    gtk_file_chooser_set_filename (chooser, path);
}

static char *
host_size (guint64 bytes)
{
  return hg_size_format (bytes);
}

/* ---- install source -------------------------------------------------------- */

static void
on_source_toggled (HgNewVmAssistant *self,
                   GtkToggleButton  *button)
{
  HgInstallSource source;

  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  if (button == self->source_iso_radio)
    source = HG_INSTALL_SOURCE_ISO;
  else if (button == self->source_pxe_radio)
    source = HG_INSTALL_SOURCE_PXE;
  else if (button == self->source_kernel_radio)
    source = HG_INSTALL_SOURCE_KERNEL;
  else if (button == self->source_image_radio)
    source = HG_INSTALL_SOURCE_EXISTING_DISK;
  else
    source = HG_INSTALL_SOURCE_NONE;
  g_object_set (self->spec, "source", source, NULL);
}

static void
on_file_chosen (HgNewVmAssistant *self,
                GtkFileChooser   *chooser)
{
  g_autofree char *path = NULL;

  if (self->updating)
    return;
  path = gtk_file_chooser_get_filename (chooser);
  /* a chooser still loading its folder says nothing: keep the spec */
  if (path == NULL)
    return;
  if (chooser == self->iso_chooser)
    g_object_set (self->spec, "iso-path", path, "source", HG_INSTALL_SOURCE_ISO, NULL);
  else if (chooser == self->kernel_chooser)
    g_object_set (self->spec, "kernel-path", path, "source", HG_INSTALL_SOURCE_KERNEL, NULL);
  else if (chooser == self->initrd_chooser)
    g_object_set (self->spec, "initrd-path", path, "source", HG_INSTALL_SOURCE_KERNEL, NULL);
  else if (chooser == self->image_chooser)
    g_object_set (self->spec, "image-path", path, "source", HG_INSTALL_SOURCE_EXISTING_DISK, NULL);
  else if (chooser == self->disk_image_chooser)
    {
      self->disk_use_image = TRUE;
      g_object_set (self->spec, "image-path", path, "new-disk", FALSE, NULL);
    }
}

static void
on_image_mode_toggled (HgNewVmAssistant *self,
                       GtkToggleButton  *button)
{
  HgImageMode mode;

  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  if (button == self->image_copy_radio)
    mode = HG_IMAGE_MODE_COPY;
  else if (button == self->image_convert_radio)
    mode = HG_IMAGE_MODE_CONVERT;
  else
    mode = HG_IMAGE_MODE_IN_PLACE;
  g_object_set (self->spec, "image-mode", mode, NULL);
}

static void
sync_source (HgNewVmAssistant *self)
{
  g_autofree char *iso = NULL, *kernel = NULL, *initrd = NULL, *image = NULL;
  HgInstallSource source = hg_vm_spec_get_source (self->spec);
  HgImageMode mode = HG_IMAGE_MODE_IN_PLACE;

  g_object_get (self->spec, "iso-path", &iso, "kernel-path", &kernel, "initrd-path", &initrd,
                "image-path", &image, "image-mode", &mode, NULL);
  switch (source)
    {
    case HG_INSTALL_SOURCE_ISO:           set_active (self->source_iso_radio); break;
    case HG_INSTALL_SOURCE_PXE:           set_active (self->source_pxe_radio); break;
    case HG_INSTALL_SOURCE_KERNEL:        set_active (self->source_kernel_radio); break;
    case HG_INSTALL_SOURCE_EXISTING_DISK: set_active (self->source_image_radio); break;
    default:                              set_active (self->source_none_radio); break;
    }
  set_chooser (self->iso_chooser, iso);
  set_chooser (self->kernel_chooser, kernel);
  set_chooser (self->initrd_chooser, initrd);
  set_chooser (self->image_chooser, image);
  switch (mode)
    {
    case HG_IMAGE_MODE_COPY:    set_active (self->image_copy_radio); break;
    case HG_IMAGE_MODE_CONVERT: set_active (self->image_convert_radio); break;
    default:                    set_active (self->image_inplace_radio); break;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->iso_chooser), source == HG_INSTALL_SOURCE_ISO);
  gtk_widget_set_sensitive (self->kernel_grid, source == HG_INSTALL_SOURCE_KERNEL);
  gtk_widget_set_sensitive (self->image_box, source == HG_INSTALL_SOURCE_EXISTING_DISK);
  gtk_widget_set_sensitive (GTK_WIDGET (self->copy_in_check),
                            source == HG_INSTALL_SOURCE_ISO || source == HG_INSTALL_SOURCE_KERNEL);
}

/* ---- operating system -------------------------------------------------------- */

static void
os_list_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  g_task_return_pointer (task, hg_osinfo_search (NULL, 0), (GDestroyNotify) g_ptr_array_unref);
}

static void select_os_row (HgNewVmAssistant *self, const char *id);

static void
on_os_list_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(HgNewVmAssistant) self = user_data;
  g_autoptr(GPtrArray) list = g_task_propagate_pointer (G_TASK (result), NULL);
  g_autofree char *os_id = NULL;

  if (list == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;
  for (guint i = 0; i < list->len; i++)
    {
      HgOsInfo *os = g_ptr_array_index (list, i);
      g_autofree char *search = g_strdup_printf ("%s %s %s", os->name, os->id,
                                                 os->vendor != NULL ? os->vendor : "");
      g_autofree char *folded = g_utf8_casefold (search, -1);

      gtk_list_store_insert_with_values (self->os_store, NULL, -1,
                                         OS_COL_NAME, os->name,
                                         OS_COL_ID, os->id,
                                         OS_COL_SEARCH, folded,
                                         -1);
    }
  g_object_get (self->spec, "os-id", &os_id, NULL);
  select_os_row (self, os_id != NULL ? os_id : "");
}

static gboolean
os_visible (GtkTreeModel *model,
            GtkTreeIter  *iter,
            gpointer      user_data)
{
  HgNewVmAssistant *self = user_data;
  const char *text = gtk_entry_get_text (GTK_ENTRY (self->os_search_entry));
  g_autofree char *search = NULL;
  g_autofree char *id = NULL;
  g_autofree char *folded = NULL;
  g_auto(GStrv) words = NULL;

  if (text == NULL || text[0] == '\0')
    return TRUE;
  gtk_tree_model_get (model, iter, OS_COL_ID, &id, OS_COL_SEARCH, &search, -1);
  /* "Other" is always there */
  if (id == NULL || id[0] == '\0')
    return TRUE;
  folded = g_utf8_casefold (text, -1);
  words = g_strsplit_set (folded, " \t", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (words[i][0] != '\0' && (search == NULL || strstr (search, words[i]) == NULL))
      return FALSE;
  return TRUE;
}

static void
on_os_search_changed (HgNewVmAssistant *self,
                      GtkSearchEntry   *entry)
{
  gtk_tree_model_filter_refilter (self->os_filter);
}

static void
select_os_row (HgNewVmAssistant *self,
               const char       *id)
{
  GtkTreeModel *model = GTK_TREE_MODEL (self->os_filter);
  GtkTreeIter iter;
  gboolean was_updating = self->updating;

  self->updating = TRUE;
  if (gtk_tree_model_get_iter_first (model, &iter))
    do
      {
        g_autofree char *row_id = NULL;

        gtk_tree_model_get (model, &iter, OS_COL_ID, &row_id, -1);
        if (g_strcmp0 (row_id, id) == 0)
          {
            g_autoptr(GtkTreePath) path = gtk_tree_model_get_path (model, &iter);

            gtk_tree_selection_select_iter (self->os_selection, &iter);
            if (gtk_widget_get_realized (GTK_WIDGET (self->os_tree)))
              gtk_tree_view_scroll_to_cell (self->os_tree, path, NULL, TRUE, 0.3, 0);
            break;
          }
      }
    while (gtk_tree_model_iter_next (model, &iter));
  self->updating = was_updating;
}

static void
on_os_selection_changed (HgNewVmAssistant *self,
                         GtkTreeSelection *selection)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  g_autofree char *id = NULL;
  g_autoptr(HgOsInfo) os = NULL;

  if (self->updating || !gtk_tree_selection_get_selected (selection, &model, &iter))
    return;
  gtk_tree_model_get (model, &iter, OS_COL_ID, &id, -1);
  if (id != NULL && id[0] != '\0')
    os = hg_osinfo_lookup (id);
  hg_vm_spec_apply_os (self->spec, os);
}

static void
show_os_info (HgNewVmAssistant *self)
{
  g_autofree char *os_id = NULL;
  g_autoptr(HgOsInfo) os = NULL;
  g_autoptr(GString) text = g_string_new (NULL);

  g_object_get (self->spec, "os-id", &os_id, NULL);
  if (os_id != NULL && os_id[0] != '\0')
    os = hg_osinfo_lookup (os_id);
  if (os == NULL)
    {
      gtk_label_set_text (self->os_info_label,
                          _("Other: Hangar's general defaults are used for memory, disk and devices."));
      return;
    }
  {
    /* "—" where libosinfo has no recommendation */
    g_autofree char *memory = os->memory_mib > 0 ? g_strdup_printf ("%u MiB", os->memory_mib)
                                                 : g_strdup ("—");
    g_autofree char *cpus = os->cpus > 0 ? g_strdup_printf ("%u", os->cpus) : g_strdup ("—");
    g_autofree char *disk = os->disk_bytes > 0 ? hg_size_format (os->disk_bytes) : g_strdup ("—");

    g_string_append_printf (text, _("Recommended for %s: memory %s, CPUs %s, disk %s, "
                                    "disk bus %s, network card %s."),
                            os->name, memory, cpus, disk,
                            os->disk_bus != NULL ? os->disk_bus : "—",
                            os->nic_model != NULL ? os->nic_model : "—");
  }
  gtk_label_set_text (self->os_info_label, text->str);
}

static void
on_os_detected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HgNewVmAssistant) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgOsInfo) os = hg_vm_spec_detect_os_finish (HG_VM_SPEC (source), result, &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (self->cancellable))
    return;
  gtk_spinner_stop (self->os_spinner);
  gtk_widget_hide (GTK_WIDGET (self->os_spinner));
  if (os != NULL)
    {
      text = g_strdup_printf (os->installer ? _("Detected from the ISO: %s (installer)")
                                            : _("Detected from the ISO: %s"), os->name);
      select_os_row (self, os->id);
    }
  else
    text = g_strdup_printf (_("%s. Choose the system below, or Other."), error->message);
  gtk_label_set_text (self->os_detect_label, text);
  show_os_info (self);
  hg_new_vm_assistant_express_detect (self, self->detected_iso);
}

static void
prepare_os (HgNewVmAssistant *self)
{
  g_autofree char *iso = NULL;

  /* libosinfo's list, read in a thread the first time the page shows */
  if (!self->os_list_requested)
    {
      g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, on_os_list_loaded,
                                          g_object_ref (self));

      self->os_list_requested = TRUE;
      g_task_set_source_tag (task, prepare_os);
      g_task_run_in_thread (task, os_list_thread);
    }

  g_object_get (self->spec, "iso-path", &iso, NULL);
  hg_new_vm_assistant_express_show (self, hg_vm_spec_get_source (self->spec) == HG_INSTALL_SOURCE_ISO
                                            ? iso : NULL);
  if (hg_vm_spec_get_source (self->spec) != HG_INSTALL_SOURCE_ISO || iso == NULL)
    {
      gtk_label_set_text (self->os_detect_label,
                          _("Choose the operating system the VM will run, or Other. "
                            "Hangar takes recommended memory, disk and devices from it."));
      show_os_info (self);
      return;
    }
  if (g_strcmp0 (iso, self->detected_iso) == 0)
    return;

  /* detect once per ISO */
  g_free (self->detected_iso);
  self->detected_iso = g_strdup (iso);
  if (self->detect_cancellable != NULL)
    g_cancellable_cancel (self->detect_cancellable);
  g_clear_object (&self->detect_cancellable);
  self->detect_cancellable = g_cancellable_new ();
  {
    g_autofree char *base = g_path_get_basename (iso);
    g_autofree char *text = g_strdup_printf (_("Looking at %s…"), base);

    gtk_label_set_text (self->os_detect_label, text);
  }
  gtk_widget_show (GTK_WIDGET (self->os_spinner));
  gtk_spinner_start (self->os_spinner);
  hg_vm_spec_detect_os_async (self->spec, self->detect_cancellable, on_os_detected,
                              g_object_ref (self));
}

/* ---- architecture and accelerator ------------------------------------------ */

static void
on_accel_toggled (HgNewVmAssistant *self,
                  GtkToggleButton  *button)
{
  HgAccel accel;

  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  if (button == self->accel_kvm_radio)
    accel = HG_ACCEL_KVM;
  else if (button == self->accel_tcg_radio)
    accel = HG_ACCEL_TCG;
  else
    accel = HG_ACCEL_AUTO;
  g_object_set (self->spec, "accel", accel, NULL);
}

static void
sync_arch (HgNewVmAssistant *self)
{
  HgHostCaps *caps = hg_vm_spec_get_host_caps (self->spec);
  const char *arch = hg_vm_spec_get_arch (self->spec);
  const HgEmulator *emulator = arch != NULL ? hg_host_caps_get_emulator (caps, arch) : NULL;
  gboolean kvm = arch != NULL && hg_host_caps_kvm_usable_for (caps, arch);
  HgAccel accel = HG_ACCEL_AUTO;
  g_autofree char *reason = NULL;

  g_object_get (self->spec, "accel", &accel, NULL);
  if (g_strcmp0 (gtk_combo_box_get_active_id (GTK_COMBO_BOX (self->arch_combo)), arch) != 0)
    gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->arch_combo), arch);
  switch (accel)
    {
    case HG_ACCEL_KVM: set_active (self->accel_kvm_radio); break;
    case HG_ACCEL_TCG: set_active (self->accel_tcg_radio); break;
    default:           set_active (self->accel_auto_radio); break;
    }

  if (emulator != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Emulator %s, QEMU %s"), emulator->path,
                                               emulator->version != NULL ? emulator->version : "?");
      gtk_label_set_text (self->arch_info_label, text);
    }
  else
    gtk_label_set_text (self->arch_info_label, _("No emulator is installed for this architecture."));

  /* KVM is offered only where it really runs a guest of this arch */
  gtk_widget_set_sensitive (GTK_WIDGET (self->accel_kvm_radio), kvm || accel == HG_ACCEL_KVM);
  if (kvm)
    reason = g_strdup_printf (_("KVM works on this host: %s"),
                              caps->kvm_reason != NULL ? caps->kvm_reason : "");
  else if (caps->force_tcg)
    reason = g_strdup (_("KVM is not offered: HANGAR_ACCEL=tcg forces emulation."));
  else if (caps->kvm_usable)
    reason = g_strdup_printf (_("KVM is not offered: it runs only %s guests on this %s host."),
                              caps->host_arch, caps->host_arch);
  else
    reason = g_strdup_printf (_("KVM is not offered: %s"),
                              caps->kvm_reason != NULL ? caps->kvm_reason : _("it does not work on this host"));
  gtk_label_set_text (self->kvm_reason_label, reason);
}

/* ---- memory ----------------------------------------------------------------- */

static void
sync_memory (HgNewVmAssistant *self)
{
  guint host_memory = 0, host_cpus = 0;
  g_autofree char *hint = NULL;

  g_object_get (self->spec, "host-memory-mib", &host_memory, "host-cpus", &host_cpus, NULL);
  /* bounded by the host: the spin buttons go no further */
  if (host_memory > 0)
    gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->memory_spin), host_memory);
  if (host_cpus > 0)
    gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->cpus_spin), host_cpus);
  hint = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "This host has %u MiB of memory and %u CPU.",
                                       "This host has %u MiB of memory and %u CPUs.", host_cpus),
                          host_memory, host_cpus);
  gtk_label_set_text (self->memory_hint_label, hint);
}

/* ---- disk ------------------------------------------------------------------- */

/* new disk: new-disk; existing image: !new-disk + image-path; no disk:
 * !new-disk without image-path */
static void
on_disk_kind_toggled (HgNewVmAssistant *self,
                      GtkToggleButton  *button)
{
  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  self->disk_use_image = button == self->disk_none_radio;
  if (button == self->disk_empty_radio)
    g_object_set (self->spec, "new-disk", FALSE, "image-path", NULL, NULL);
  else
    g_object_set (self->spec, "new-disk", button == self->disk_new_radio, NULL);
  hg_new_vm_assistant_pages_sync (self);
  hg_new_vm_assistant_queue_validate (self);
}

static void
on_disk_size_changed (HgNewVmAssistant *self,
                      GtkSpinButton    *spin)
{
  guint64 bytes;

  if (self->updating)
    return;
  bytes = (guint64) (gtk_spin_button_get_value (spin) * (double) GIB);
  g_object_set (self->spec, "disk-size", bytes, NULL);
}

static void
sync_disk (HgNewVmAssistant *self)
{
  gboolean existing = hg_vm_spec_get_source (self->spec) == HG_INSTALL_SOURCE_EXISTING_DISK;
  gboolean new_disk = TRUE;
  guint64 free_space = 0;
  g_autofree char *image = NULL;
  g_autofree char *format = NULL;
  double gib = (double) hg_vm_spec_get_disk_size (self->spec) / (double) GIB;

  g_object_get (self->spec, "new-disk", &new_disk, "free-space", &free_space,
                "image-path", &image, "image-format", &format, NULL);
  if (new_disk)
    set_active (self->disk_new_radio);
  else if (self->disk_use_image || (image != NULL && image[0] != '\0'))
    set_active (self->disk_none_radio);
  else
    set_active (self->disk_empty_radio);
  if (gtk_spin_button_get_value (self->disk_size_spin) != gib)
    gtk_spin_button_set_value (self->disk_size_spin, gib);
  set_chooser (self->disk_image_chooser, image);
  gtk_widget_set_sensitive (self->disk_size_box, new_disk);
  gtk_widget_set_sensitive (GTK_WIDGET (self->disk_image_chooser),
                            gtk_toggle_button_get_active (self->disk_none_radio));
  gtk_widget_set_visible (GTK_WIDGET (self->disk_image_chooser), !existing);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_empty_radio), !existing);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_new_radio), !existing);
  gtk_widget_set_visible (self->disk_size_box, !existing);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_none_radio), !existing);
  gtk_widget_set_visible (GTK_WIDGET (self->disk_existing_label), existing);
  if (existing)
    {
      g_autofree char *text = NULL;
      HgImageMode mode = HG_IMAGE_MODE_IN_PLACE;
      const char *shown_format = format != NULL ? format : "?";
      const char *shown_image = image != NULL ? image : "";

      g_object_get (self->spec, "image-mode", &mode, NULL);
      switch (mode)
        {
        case HG_IMAGE_MODE_COPY:
          text = g_strdup_printf (_("The VM's disk is the existing image %s (%s), copied into "
                                    "the VM's folder as it is."), shown_image, shown_format);
          break;
        case HG_IMAGE_MODE_CONVERT:
          text = g_strdup_printf (_("The VM's disk is the existing image %s (%s), converted to "
                                    "qcow2 in the VM's folder; the original stays as it is."),
                                  shown_image, shown_format);
          break;
        default:
          text = g_strdup_printf (_("The VM's disk is the existing image %s (%s), used where it "
                                    "is."), shown_image, shown_format);
          break;
        }
      gtk_label_set_text (self->disk_existing_label, text);
    }
  if (free_space > 0)
    {
      g_autofree char *size = host_size (free_space);
      g_autofree char *text = g_strdup_printf (_("%s free there"), size);
      gtk_label_set_text (self->disk_free_label, text);
    }
  else
    gtk_label_set_text (self->disk_free_label, "");
}

/* ---- network ------------------------------------------------------------------ */

static void
on_net_toggled (HgNewVmAssistant *self,
                GtkToggleButton  *button)
{
  HgNetMode mode;

  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  if (button == self->net_vde_radio)
    mode = HG_NET_VDE;
  else if (button == self->net_none_radio)
    mode = HG_NET_NONE;
  else
    mode = HG_NET_USER;
  g_object_set (self->spec, "net-mode", mode, NULL);
}

static void
show_forward_error (HgNewVmAssistant *self,
                    const char       *message)
{
  gtk_label_set_text (self->forward_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->forward_error), message != NULL);
}

static void
on_forward_add (HgNewVmAssistant *self)
{
  const char *text = gtk_entry_get_text (self->forward_entry);
  g_autoptr(GError) error = NULL;

  if (text == NULL || text[0] == '\0')
    return;
  if (!hg_vm_spec_add_port_forward (self->spec, text, &error))
    {
      show_forward_error (self, error->message);
      return;
    }
  show_forward_error (self, NULL);
  gtk_entry_set_text (self->forward_entry, "");
}

static void
on_forward_entry_changed (HgNewVmAssistant *self)
{
  show_forward_error (self, NULL);
}

static void
on_forward_remove (HgNewVmAssistant *self)
{
  GtkTreeModel *model;
  GtkTreeIter iter;
  guint index = 0;

  if (!gtk_tree_selection_get_selected (gtk_tree_view_get_selection (self->forward_tree),
                                        &model, &iter))
    return;
  gtk_tree_model_get (model, &iter, FWD_COL_INDEX, &index, -1);
  hg_vm_spec_remove_port_forward (self->spec, index);
}

static void
on_mac_generate (HgNewVmAssistant *self)
{
  hg_vm_spec_generate_mac (self->spec);
}

static char *
describe_forward (const char *spec)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", 4);

  /* the spec's normalised forms: tcp:HOST:GUEST, tcp:ADDRESS:HOST:GUEST */
  if (g_strv_length (parts) == 3)
    return g_strdup_printf (_("%s: host port %s on %s → guest port %s"), parts[0], parts[1],
                            HG_HOST_FWD_DEFAULT_ADDRESS, parts[2]);
  if (g_strv_length (parts) == 4)
    return g_strdup_printf (_("%s: host port %s on %s → guest port %s"), parts[0], parts[2],
                            parts[1], parts[3]);
  return g_strdup (spec);
}

static void
sync_network (HgNewVmAssistant *self)
{
  HgNetMode mode = HG_NET_USER;
  g_auto(GStrv) forwards = NULL;
  gboolean changed = FALSE;
  GtkTreeModel *model = GTK_TREE_MODEL (self->forward_store);
  guint n = (guint) gtk_tree_model_iter_n_children (model, NULL);

  g_object_get (self->spec, "net-mode", &mode, "port-forwards", &forwards, NULL);
  switch (mode)
    {
    case HG_NET_VDE:  set_active (self->net_vde_radio); break;
    case HG_NET_NONE: set_active (self->net_none_radio); break;
    default:          set_active (self->net_user_radio); break;
    }
  gtk_widget_set_sensitive (self->forward_box, mode == HG_NET_USER);
  gtk_widget_set_sensitive (GTK_WIDGET (self->switch_combo), mode == HG_NET_VDE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mac_entry), mode != HG_NET_NONE);
  gtk_widget_set_sensitive (self->mac_generate_button, mode != HG_NET_NONE);

  /* the list shows the spec's port-forwards */
  changed = n != (forwards != NULL ? g_strv_length (forwards) : 0);
  if (!changed && forwards != NULL)
    {
      GtkTreeIter iter;
      guint i = 0;

      if (gtk_tree_model_get_iter_first (model, &iter))
        do
          {
            g_autofree char *text = NULL;
            g_autofree char *want = describe_forward (forwards[i++]);

            gtk_tree_model_get (model, &iter, FWD_COL_TEXT, &text, -1);
            changed = changed || g_strcmp0 (text, want) != 0;
          }
        while (gtk_tree_model_iter_next (model, &iter));
    }
  if (changed)
    {
      gtk_list_store_clear (self->forward_store);
      for (guint i = 0; forwards != NULL && forwards[i] != NULL; i++)
        {
          g_autofree char *text = describe_forward (forwards[i]);

          gtk_list_store_insert_with_values (self->forward_store, NULL, -1,
                                             FWD_COL_TEXT, text, FWD_COL_INDEX, i, -1);
        }
    }
}

/* ---- console ---------------------------------------------------------------- */

static void
on_console_toggled (HgNewVmAssistant *self,
                    GtkToggleButton  *button)
{
  HgConsole console;

  if (self->updating || !gtk_toggle_button_get_active (button))
    return;
  if (button == self->console_serial_radio)
    console = HG_CONSOLE_SERIAL;
  else if (button == self->console_sdl_radio)
    console = HG_CONSOLE_SDL;
  else if (button == self->console_none_radio)
    console = HG_CONSOLE_NONE;
  else
    console = HG_CONSOLE_VNC;
  g_object_set (self->spec, "console", console, NULL);
}

static void
sync_console (HgNewVmAssistant *self)
{
  HgConsole console = HG_CONSOLE_VNC;

  g_object_get (self->spec, "console", &console, NULL);
  switch (console)
    {
    case HG_CONSOLE_SERIAL: set_active (self->console_serial_radio); break;
    case HG_CONSOLE_SDL:    set_active (self->console_sdl_radio); break;
    case HG_CONSOLE_NONE:   set_active (self->console_none_radio); break;
    default:                set_active (self->console_vnc_radio); break;
    }
}

/* ---- entry points ------------------------------------------------------------ */

void
hg_new_vm_assistant_pages_sync (HgNewVmAssistant *self)
{
  gboolean was_updating = self->updating;

  self->updating = TRUE;
  sync_source (self);
  sync_arch (self);
  sync_memory (self);
  sync_disk (self);
  sync_network (self);
  sync_console (self);
  self->updating = was_updating;
}

void
hg_new_vm_assistant_pages_prepare (HgNewVmAssistant *self,
                                   HgVmSpecPage      page)
{
  switch (page)
    {
    case HG_VM_SPEC_PAGE_NAME:
      gtk_widget_grab_focus (GTK_WIDGET (self->label_entry));
      break;
    case HG_VM_SPEC_PAGE_OS:
      prepare_os (self);
      break;
    case HG_VM_SPEC_PAGE_DISK:
    case HG_VM_SPEC_PAGE_MEMORY:
      hg_new_vm_assistant_pages_sync (self);
      break;
    default:
      break;
    }
}

static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  size_t len = strlen (home);

  if (g_str_has_prefix (path, home) && (path[len] == '/' || path[len] == '\0'))
    return g_strconcat ("~", path + len, NULL);
  return g_strdup (path);
}

void
hg_new_vm_assistant_pages_init (HgNewVmAssistant *self)
{
  HgHostCaps *caps = hg_vm_spec_get_host_caps (self->spec);
  const char * const *arches = hg_host_known_arches ();
  g_auto(GStrv) bases = NULL;
  g_auto(GStrv) switches = NULL;
  g_autofree char *base_dir = NULL;

  hg_new_vm_assistant_express_init (self);
  hg_new_vm_assistant_cloud_init (self);
  /* the entries are bound to the spec in the .ui with the entry as the
   * source (the spec reads "" back as NULL); their first text comes from it */
  {
    const struct { GtkEntry *entry; const char *property; } texts[] = {
      { self->label_entry, "label" },
      { self->folder_entry, "folder" },
      { self->append_entry, "append" },
      { GTK_ENTRY (gtk_bin_get_child (GTK_BIN (self->switch_combo))), "switch-name" },
      { self->mac_entry, "mac" },
      { self->keymap_entry, "keymap" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        g_autofree char *value = NULL;

        g_object_get (self->spec, texts[i].property, &value, NULL);
        gtk_entry_set_text (texts[i].entry, value != NULL ? value : "");
      }
  }

  /* the library's bases */
  g_object_get (self->spec, "bases", &bases, "base-dir", &base_dir, NULL);
  for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
    {
      g_autofree char *shown = display_path (bases[i]);
      gtk_combo_box_text_append (self->base_combo, bases[i], shown);
    }
  /* no base-dir = the first base */
  if (base_dir == NULL || !gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->base_combo), base_dir))
    gtk_combo_box_set_active (GTK_COMBO_BOX (self->base_combo), 0);

  /* only installed emulators */
  for (guint i = 0; arches[i] != NULL; i++)
    if (hg_host_caps_get_emulator (caps, arches[i]) != NULL)
      gtk_combo_box_text_append (self->arch_combo, arches[i], arches[i]);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (self->arch_combo), hg_vm_spec_get_arch (self->spec));

  /* the switches that exist; the entry takes any other name */
  switches = hg_switch_list_names (NULL);
  if (switches == NULL || !g_strv_contains ((const char * const *) switches, "default"))
    gtk_combo_box_text_append (self->switch_combo, "default", "default");
  for (guint i = 0; switches != NULL && switches[i] != NULL; i++)
    gtk_combo_box_text_append (self->switch_combo, switches[i], switches[i]);

  /* disk size in GiB, the spec counts bytes */
  g_signal_connect_object (self->disk_size_spin, "value-changed",
                           G_CALLBACK (on_disk_size_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->disk_new_radio, "toggled",
                           G_CALLBACK (on_disk_kind_toggled), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->disk_none_radio, "toggled",
                           G_CALLBACK (on_disk_kind_toggled), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->disk_empty_radio, "toggled",
                           G_CALLBACK (on_disk_kind_toggled), self, G_CONNECT_SWAPPED);

  /* the OS list: "Other" first; the database when the page is shown */
  gtk_list_store_insert_with_values (self->os_store, NULL, -1,
                                     OS_COL_NAME, _("Other (not listed)"),
                                     OS_COL_ID, "",
                                     OS_COL_SEARCH, "",
                                     -1);
  gtk_tree_model_filter_set_visible_func (self->os_filter, os_visible, self, NULL);
}

void
hg_new_vm_assistant_pages_class_init (GtkWidgetClass *widget_class)
{
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, name)
  BIND (page_name);
  BIND (label_entry);
  BIND (label_error);
  BIND (base_combo);
  BIND (folder_entry);
  BIND (location_error);
  BIND (target_label);
  BIND (page_source);
  BIND (source_iso_radio);
  BIND (iso_chooser);
  BIND (source_pxe_radio);
  BIND (source_kernel_radio);
  BIND (kernel_grid);
  BIND (kernel_chooser);
  BIND (initrd_chooser);
  BIND (append_entry);
  BIND (source_image_radio);
  BIND (image_box);
  BIND (image_chooser);
  BIND (image_inplace_radio);
  BIND (image_copy_radio);
  BIND (image_convert_radio);
  BIND (source_none_radio);
  BIND (copy_in_check);
  BIND (source_error);
  BIND (page_os);
  BIND (os_spinner);
  BIND (os_detect_label);
  BIND (os_search_entry);
  BIND (os_tree);
  BIND (os_selection);
  BIND (os_store);
  BIND (os_filter);
  BIND (os_info_label);
  BIND (os_error);
  BIND (page_arch);
  BIND (arch_combo);
  BIND (arch_info_label);
  BIND (accel_auto_radio);
  BIND (accel_kvm_radio);
  BIND (accel_tcg_radio);
  BIND (kvm_reason_label);
  BIND (arch_error);
  BIND (page_memory);
  BIND (memory_spin);
  BIND (cpus_spin);
  BIND (memory_hint_label);
  BIND (memory_warning);
  BIND (memory_error);
  BIND (page_disk);
  BIND (disk_new_radio);
  BIND (disk_size_box);
  BIND (disk_size_spin);
  BIND (disk_free_label);
  BIND (disk_none_radio);
  BIND (disk_image_chooser);
  BIND (disk_empty_radio);
  BIND (disk_existing_label);
  BIND (disk_error);
  BIND (page_network);
  BIND (net_user_radio);
  BIND (forward_box);
  BIND (forward_tree);
  BIND (forward_store);
  BIND (forward_entry);
  BIND (forward_add_button);
  BIND (forward_remove_button);
  BIND (forward_error);
  BIND (net_vde_radio);
  BIND (switch_combo);
  BIND (net_none_radio);
  BIND (mac_entry);
  BIND (mac_generate_button);
  BIND (net_error);
  BIND (page_console);
  BIND (console_vnc_radio);
  BIND (console_serial_radio);
  BIND (console_sdl_radio);
  BIND (console_none_radio);
  BIND (keymap_entry);
  BIND (console_error);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_source_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_file_chosen);
  gtk_widget_class_bind_template_callback (widget_class, on_image_mode_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_os_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_os_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_accel_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_net_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_forward_add);
  gtk_widget_class_bind_template_callback (widget_class, on_forward_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_forward_remove);
  gtk_widget_class_bind_template_callback (widget_class, on_mac_generate);
  gtk_widget_class_bind_template_callback (widget_class, on_console_toggled);
}
