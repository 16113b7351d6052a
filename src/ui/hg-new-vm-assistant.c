/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-cmdline.h"
#include "hg-disk-image.h"
#include "hg-new-vm-assistant-private.h"
#include "hg-os-firmware.h"

/*
 * The assistant object: the spec and its binding into the template (the
 * sysprof greeter's pattern: the .ui declares <object class="HgVmSpec"
 * id="spec" constructor="HgNewVmAssistant"/> and binds widget properties
 * to it), validation of every page at idle after a change, the summary,
 * and the creation with its progress page.  The pages' own widgets are in
 * hg-new-vm-assistant-pages.c.
 */

static void hg_new_vm_assistant_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HgNewVmAssistant, hg_new_vm_assistant, GTK_TYPE_ASSISTANT,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE,
                                                      hg_new_vm_assistant_buildable_init))

static GtkBuildableIface *parent_buildable_iface;

enum {
  PROP_0,
  PROP_BASES,
  PROP_HOST_CAPS,
  PROP_SPEC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the spec in the template ------------------------------------------ */

/* The template's <object class="HgVmSpec" id="spec" constructor=…> is our
 * spec, made in constructed() from the construct properties before the
 * template is built, so that its bindings see the real model. */
static GObject *
hg_new_vm_assistant_construct_child (GtkBuildable *buildable,
                                     GtkBuilder   *builder,
                                     const char   *name)
{
  HgNewVmAssistant *self = HG_NEW_VM_ASSISTANT (buildable);

  if (g_strcmp0 (name, "spec") == 0)
    return g_object_ref (G_OBJECT (self->spec));
  return parent_buildable_iface->construct_child (buildable, builder, name);
}

static void
hg_new_vm_assistant_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->construct_child = hg_new_vm_assistant_construct_child;
}

/* ---- pages ---------------------------------------------------------------- */

GtkWidget *
hg_new_vm_assistant_get_page (HgNewVmAssistant *self,
                              HgVmSpecPage      page)
{
  g_return_val_if_fail (HG_IS_NEW_VM_ASSISTANT (self), NULL);

  switch (page)
    {
    case HG_VM_SPEC_PAGE_NAME:    return self->page_name;
    case HG_VM_SPEC_PAGE_SOURCE:  return self->page_source;
    case HG_VM_SPEC_PAGE_OS:      return self->page_os;
    case HG_VM_SPEC_PAGE_ARCH:    return self->page_arch;
    case HG_VM_SPEC_PAGE_MEMORY:  return self->page_memory;
    case HG_VM_SPEC_PAGE_DISK:    return self->page_disk;
    case HG_VM_SPEC_PAGE_NETWORK: return self->page_network;
    case HG_VM_SPEC_PAGE_CONSOLE: return self->page_console;
    case HG_VM_SPEC_PAGE_SUMMARY: return self->page_summary;
    default:                      return NULL;
    }
}

static gboolean
page_of_widget (HgNewVmAssistant *self,
                GtkWidget        *widget,
                HgVmSpecPage     *out)
{
  for (guint p = 0; p < HG_NEW_VM_N_PAGES; p++)
    if (hg_new_vm_assistant_get_page (self, p) == widget)
      {
        *out = p;
        return TRUE;
      }
  return FALSE;
}

const char *
hg_new_vm_assistant_get_page_error (HgNewVmAssistant *self,
                                    HgVmSpecPage      page)
{
  g_return_val_if_fail (HG_IS_NEW_VM_ASSISTANT (self), NULL);
  g_return_val_if_fail (page < HG_NEW_VM_N_PAGES, NULL);

  return self->page_errors[page];
}

HgVmSpec *
hg_new_vm_assistant_get_spec (HgNewVmAssistant *self)
{
  g_return_val_if_fail (HG_IS_NEW_VM_ASSISTANT (self), NULL);

  return self->spec;
}

HgBootMode
hg_new_vm_assistant_get_install_mode (HgNewVmAssistant *self)
{
  g_return_val_if_fail (HG_IS_NEW_VM_ASSISTANT (self), HG_BOOT_DISK);

  if (hg_new_vm_assistant_express_active (self))
    return hg_new_vm_assistant_express_boot_mode (self);
  switch (hg_vm_spec_get_source (self->spec))
    {
    case HG_INSTALL_SOURCE_ISO:    return HG_BOOT_CDROM;
    case HG_INSTALL_SOURCE_PXE:    return HG_BOOT_PXE;
    case HG_INSTALL_SOURCE_KERNEL: return HG_BOOT_KERNEL;
    default:                       return HG_BOOT_DISK;
    }
}

/* ---- validation ----------------------------------------------------------- */

static void
show_error (GtkLabel   *label,
            const char *message)
{
  if (label == NULL)
    return;
  gtk_label_set_text (label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
}

static void
clear_page_errors (HgNewVmAssistant *self,
                   HgVmSpecPage      page)
{
  /* every label a page's error may go to */
  static const char * const props[] = { NULL, "label", "base-dir", "port-forwards", "mac" };

  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    show_error (hg_new_vm_assistant_error_label (self, page, props[i]), NULL);
}

static void update_summary (HgNewVmAssistant *self);

void
hg_new_vm_assistant_revalidate (HgNewVmAssistant *self)
{
  gboolean all_ok = TRUE;

  g_return_if_fail (HG_IS_NEW_VM_ASSISTANT (self));

  g_clear_handle_id (&self->validate_id, g_source_remove);
  /* a running creation owns the spec; its result decides */
  if (hg_vm_spec_get_busy (self->spec) || self->created)
    return;

  for (guint p = 0; p < HG_NEW_VM_N_PAGES; p++)
    {
      g_autoptr(GError) error = NULL;
      GtkWidget *widget = hg_new_vm_assistant_get_page (self, p);
      gboolean ok;

      /* the summary is complete when everything before it is, and the
       * whole spec (config and command line) is */
      if (p == HG_VM_SPEC_PAGE_SUMMARY)
        ok = all_ok && hg_vm_spec_validate (self->spec, &error);
      else
        ok = hg_vm_spec_validate_page (self->spec, p, &error);
      /* "use an existing image" without one is no disk to the spec */
      if (ok && p == HG_VM_SPEC_PAGE_DISK && self->disk_use_image &&
          hg_vm_spec_get_source (self->spec) != HG_INSTALL_SOURCE_EXISTING_DISK)
        {
          g_autofree char *image = NULL;

          g_object_get (self->spec, "image-path", &image, NULL);
          if (image == NULL)
            {
              ok = FALSE;
              g_set_error_literal (&error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_IMAGE,
                                   _("Disk image: choose an existing image"));
            }
        }

      g_clear_pointer (&self->page_errors[p], g_free);
      clear_page_errors (self, p);
      /* express install's answers (shown under its own section) */
      if (p == HG_VM_SPEC_PAGE_OS || p == HG_VM_SPEC_PAGE_SOURCE)
        {
          g_autofree char *express = p == HG_VM_SPEC_PAGE_OS ? hg_new_vm_assistant_express_check (self)
                                                             : hg_new_vm_assistant_cloud_check (self);

          if (ok && express != NULL)
            {
              ok = FALSE;
              self->page_errors[p] = g_steal_pointer (&express);
            }
        }
      if (!ok && error != NULL)
        {
          const char *property = hg_vm_spec_error_get_property (error);

          self->page_errors[p] = g_strdup (error->message);
          /* an empty name the user has not typed yet is no error to shout */
          if (!(p == HG_VM_SPEC_PAGE_NAME && !self->label_touched &&
                g_strcmp0 (property, "label") == 0 &&
                gtk_entry_get_text_length (self->label_entry) == 0))
            show_error (hg_new_vm_assistant_error_label (self, p, property), error->message);
        }
      all_ok = all_ok && ok;
      gtk_assistant_set_page_complete (GTK_ASSISTANT (self), widget, ok);
    }

  /* sensible-value hints */
  {
    g_autofree char *warning = hg_vm_spec_get_warning (self->spec, HG_VM_SPEC_PAGE_MEMORY);

    gtk_label_set_text (self->memory_warning, warning != NULL ? warning : "");
    gtk_widget_set_visible (GTK_WIDGET (self->memory_warning), warning != NULL);
  }

  if (gtk_assistant_get_nth_page (GTK_ASSISTANT (self),
                                  gtk_assistant_get_current_page (GTK_ASSISTANT (self))) == self->page_summary)
    update_summary (self);
}

static gboolean
validate_idle (gpointer data)
{
  HgNewVmAssistant *self = data;

  self->validate_id = 0;
  hg_new_vm_assistant_revalidate (self);
  return G_SOURCE_REMOVE;
}

void
hg_new_vm_assistant_queue_validate (HgNewVmAssistant *self)
{
  if (self->validate_id == 0)
    self->validate_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 30, validate_idle, self, NULL);
}

static void
on_spec_notify (HgVmSpec         *spec,
                GParamSpec       *pspec,
                HgNewVmAssistant *self)
{
  const char *name = g_param_spec_get_name (pspec);

  if (g_str_equal (name, "progress") || g_str_equal (name, "progress-text") ||
      g_str_equal (name, "busy"))
    return;
  if (g_str_equal (name, "label") && gtk_entry_get_text_length (self->label_entry) > 0)
    self->label_touched = TRUE;
  hg_new_vm_assistant_pages_sync (self);
  hg_new_vm_assistant_queue_validate (self);
}

/* ---- summary -------------------------------------------------------------- */

static void
summary_add (HgNewVmAssistant *self,
             int               row,
             const char       *key,
             const char       *value)
{
  GtkWidget *k = gtk_label_new (key);
  GtkWidget *v = gtk_label_new (value != NULL && value[0] != '\0' ? value : "—");

  gtk_label_set_xalign (GTK_LABEL (k), 1);
  gtk_label_set_yalign (GTK_LABEL (k), 0);
  gtk_style_context_add_class (gtk_widget_get_style_context (k), "dim-label");
  gtk_label_set_xalign (GTK_LABEL (v), 0);
  gtk_label_set_selectable (GTK_LABEL (v), TRUE);
  gtk_widget_set_can_focus (v, FALSE);
  gtk_label_set_line_wrap (GTK_LABEL (v), TRUE);
  gtk_label_set_line_wrap_mode (GTK_LABEL (v), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_max_width_chars (GTK_LABEL (v), 70);
  gtk_widget_set_hexpand (v, TRUE);
  gtk_widget_show (k);
  gtk_widget_show (v);
  gtk_grid_attach (self->summary_grid, k, 0, row, 1, 1);
  gtk_grid_attach (self->summary_grid, v, 1, row, 1, 1);
}

static char *
describe_source (HgNewVmAssistant *self)
{
  g_autofree char *iso = NULL, *kernel = NULL, *initrd = NULL, *image = NULL;
  HgImageMode mode = HG_IMAGE_MODE_IN_PLACE;

  g_object_get (self->spec, "iso-path", &iso, "kernel-path", &kernel, "initrd-path", &initrd,
                "image-path", &image, "image-mode", &mode, NULL);
  switch (hg_vm_spec_get_source (self->spec))
    {
    case HG_INSTALL_SOURCE_ISO:
      return g_strdup_printf (_("ISO image %s"), iso != NULL ? iso : "");
    case HG_INSTALL_SOURCE_PXE:
      return g_strdup (_("network boot (PXE)"));
    case HG_INSTALL_SOURCE_KERNEL:
      return initrd != NULL && initrd[0] != '\0'
               ? g_strdup_printf (_("kernel %s with initrd %s"), kernel, initrd)
               : g_strdup_printf (_("kernel %s"), kernel != NULL ? kernel : "");
    case HG_INSTALL_SOURCE_EXISTING_DISK:
      switch (mode)
        {
        case HG_IMAGE_MODE_COPY:
          return g_strdup_printf (_("disk image %s, copied into the VM"), image);
        case HG_IMAGE_MODE_CONVERT:
          return g_strdup_printf (_("disk image %s, converted to qcow2"), image);
        default:
          return g_strdup_printf (_("disk image %s, used where it is"), image);
        }
    default:
      return g_strdup (_("none"));
    }
}

/* The firmware libosinfo says the OS needs, set on the spec ("firmware",
 * "tpm"), and the summary's text saying why.  A choice is only ever taken
 * back if this made it: firmware_from_os is what it set. */
static void
set_spec_firmware (HgNewVmAssistant *self,
                   const char       *firmware,
                   gboolean          tpm)
{
  HgFirmwareKind kind = HG_FIRMWARE_BIOS;

  if (firmware != NULL && !hg_firmware_kind_from_string (firmware, &kind))
    kind = HG_FIRMWARE_BIOS;
  g_object_set (self->spec, "firmware", kind, "tpm", tpm, NULL);
  g_free (self->firmware_from_os);
  self->firmware_from_os = g_strdup (firmware);
}

static char *
summary_firmware (HgNewVmAssistant *self)
{
  g_autofree char *os_id = NULL;
  g_autoptr(HgOsFirmwareAdvice) advice = NULL;
  HgFirmwareKind kind = HG_FIRMWARE_BIOS;
  const char *current;
  gboolean ours;
  const char *name;

  g_object_get (self->spec, "os-id", &os_id, "firmware", &kind, NULL);
  current = hg_firmware_kind_to_string (kind);
  /* the spec's firmware is the default or what this set: ours to change */
  ours = kind == HG_FIRMWARE_BIOS || g_strcmp0 (current, self->firmware_from_os) == 0;
  if (os_id != NULL && os_id[0] != '\0')
    advice = hg_os_firmware_recommend (os_id, hg_vm_spec_get_arch (self->spec));
  if (advice == NULL || !advice->needed)
    {
      if (!ours)
        return g_strdup (current);
      if (self->firmware_from_os != NULL)
        set_spec_firmware (self, NULL, FALSE);
      return advice != NULL && advice->reason != NULL
               ? g_strdup_printf (_("BIOS (%s)"), advice->reason) : g_strdup (_("BIOS"));
    }
  if (!ours)
    return g_strdup (current);
  set_spec_firmware (self, advice->firmware, advice->tpm);
  name = g_str_equal (advice->firmware, "uefi-secure") ? _("UEFI with Secure Boot") : _("UEFI");
  if (advice->tpm)
    return g_strdup_printf (_("%s and a TPM 2.0: %s"), name, advice->reason);
  return g_strdup_printf (_("%s: %s"), name, advice->reason);
}

static void
update_summary (HgNewVmAssistant *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *source = NULL;
  g_autofree char *os_name = NULL;
  g_autofree char *switch_name = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *network = NULL;
  g_autoptr(GList) children = NULL;
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->cmdline_view);
  HgNetMode net_mode = HG_NET_USER;
  HgConsole console = HG_CONSOLE_VNC;
  HgAccel accel = HG_ACCEL_AUTO;
  guint cpus = 1;
  gboolean new_disk = TRUE;
  g_auto(GStrv) forwards = NULL;
  int row = 0;

  children = gtk_container_get_children (GTK_CONTAINER (self->summary_grid));
  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);

  g_object_get (self->spec, "os-name", &os_name, "net-mode", &net_mode, "switch-name", &switch_name,
                "console", &console, "accel", &accel, "cpus", &cpus, "new-disk", &new_disk,
                "port-forwards", &forwards, NULL);
  source = describe_source (self);
  memory = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u MiB, %u CPU", "%u MiB, %u CPUs", cpus),
                            hg_vm_spec_get_memory_mib (self->spec), cpus);
  if (hg_vm_spec_get_source (self->spec) == HG_INSTALL_SOURCE_EXISTING_DISK)
    disk = g_strdup (_("the existing image"));
  else if (new_disk)
    {
      g_autofree char *size = hg_size_format (hg_vm_spec_get_disk_size (self->spec));
      disk = g_strdup_printf (_("new qcow2 image of %s"), size);
    }
  else
    {
      g_autofree char *image = NULL;

      g_object_get (self->spec, "image-path", &image, NULL);
      disk = image != NULL ? g_strdup_printf (_("the existing image %s"), image)
                           : g_strdup (_("none"));
    }
  switch (net_mode)
    {
    case HG_NET_USER:
      if (forwards != NULL && forwards[0] != NULL)
        {
          g_autofree char *list = g_strjoinv (", ", forwards);
          network = g_strdup_printf (_("user-mode NAT, forwarding %s, MAC %s"), list,
                                     hg_vm_spec_get_mac (self->spec));
        }
      else
        network = g_strdup_printf (_("user-mode NAT, MAC %s"), hg_vm_spec_get_mac (self->spec));
      break;
    case HG_NET_VDE:
      network = g_strdup_printf (_("VDE switch “%s”, MAC %s"), switch_name,
                                 hg_vm_spec_get_mac (self->spec));
      break;
    case HG_NET_TAP:
      network = g_strdup_printf (_("TAP device, MAC %s"), hg_vm_spec_get_mac (self->spec));
      break;
    default:
      network = g_strdup (_("none"));
      break;
    }

  summary_add (self, row++, _("Name"), hg_vm_spec_get_label (self->spec));
  summary_add (self, row++, _("Folder"), hg_vm_spec_get_target_dir (self->spec));
  summary_add (self, row++, _("Install source"), source);
  summary_add (self, row++, _("Operating system"), os_name != NULL ? os_name : _("other"));
  {
    g_autofree char *express = hg_new_vm_assistant_express_summary (self);

    g_autofree char *cloud = hg_new_vm_assistant_cloud_summary (self);

    if (express != NULL)
      summary_add (self, row++, _("Installation"), express);
    if (cloud != NULL)
      summary_add (self, row++, _("Cloud image"), cloud);
  }
  {
    g_autofree char *arch = g_strdup_printf ("%s (%s)", hg_vm_spec_get_arch (self->spec),
                                             hg_accel_to_string (accel));
    summary_add (self, row++, _("Architecture"), arch);
  }
  summary_add (self, row++, _("Memory"), memory);
  summary_add (self, row++, _("Disk"), disk);
  summary_add (self, row++, _("Network"), network);
  summary_add (self, row++, _("Console"),
               console == HG_CONSOLE_VNC ? _("embedded display (VNC)")
               : console == HG_CONSOLE_SERIAL ? _("serial console only")
               : console == HG_CONSOLE_SDL ? _("SDL window")
               : _("headless"));
  {
    g_autofree char *firmware = summary_firmware (self);
    summary_add (self, row++, _("Firmware"), firmware);
  }

  argv = hg_vm_spec_get_argv (self->spec, hg_vm_spec_get_boot_mode (self->spec), &error);
  if (argv != NULL)
    {
      g_autofree char *text = hg_cmdline_to_display ((const char * const *) argv);
      gtk_text_buffer_set_text (buffer, text, -1);
    }
  else
    gtk_text_buffer_set_text (buffer, error->message, -1);

  {
    HgBootMode mode = hg_new_vm_assistant_get_install_mode (self);

    gtk_button_set_label (GTK_BUTTON (self->start_now_check),
                          mode == HG_BOOT_DISK
                            ? _("_Start the VM now and show its display")
                            : _("_Start the VM in install mode now and show its display"));
  }
}

/* ---- creation ------------------------------------------------------------- */

static void
on_create_progress (HgVmSpec   *spec,
                    double      fraction,
                    const char *what,
                    gpointer    user_data)
{
  HgNewVmAssistant *self = user_data;

  if (what != NULL)
    gtk_label_set_text (self->progress_label, what);
  if (fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
}

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(HgNewVmAssistant) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = NULL;

  config = hg_vm_spec_create_finish (HG_VM_SPEC (source), result, &error);
  g_clear_object (&self->create_cancellable);
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (config == NULL)
    {
      /* back to the summary, which says what happened; Create tries again */
      const char *message = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                              ? _("Cancelled: nothing was created.") : error->message;

      hg_new_vm_assistant_express_abandon (self);

      gtk_assistant_previous_page (GTK_ASSISTANT (self));
      hg_new_vm_assistant_revalidate (self);
      show_error (self->summary_error, message);
      return;
    }

  self->created = TRUE;
  gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
  gtk_assistant_set_page_complete (GTK_ASSISTANT (self), self->page_progress, TRUE);
  g_signal_emit (self, signals[CREATED], 0, config,
                 gtk_toggle_button_get_active (self->start_now_check));
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
on_apply (GtkAssistant     *assistant,
          HgNewVmAssistant *self)
{
  g_autofree char *what = g_strdup_printf (_("Creating %s"), hg_vm_spec_get_label (self->spec));
  g_autoptr(GError) error = NULL;

  show_error (self->summary_error, NULL);
  if (!hg_new_vm_assistant_express_apply (self, &error) ||
      !hg_new_vm_assistant_cloud_apply (self, &error))
    {
      gtk_assistant_previous_page (assistant);
      hg_new_vm_assistant_revalidate (self);
      show_error (self->summary_error, error->message);
      return;
    }
  show_error (self->progress_error, NULL);
  gtk_label_set_text (self->progress_label, what);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_assistant_set_page_complete (assistant, self->page_progress, FALSE);

  g_clear_object (&self->create_cancellable);
  self->create_cancellable = g_cancellable_new ();
  hg_vm_spec_create_async (self->spec, on_create_progress, self, NULL, self->create_cancellable,
                           on_created, g_object_ref (self));
}

static void
on_cancel (GtkAssistant     *assistant,
           HgNewVmAssistant *self)
{
  /* a running creation is stopped first; it removes what it made and
   * brings us back to the summary */
  if (self->create_cancellable != NULL)
    {
      gtk_label_set_text (self->progress_label, _("Cancelling…"));
      g_cancellable_cancel (self->create_cancellable);
      return;
    }
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
on_close (GtkAssistant     *assistant,
          HgNewVmAssistant *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
on_prepare (GtkAssistant     *assistant,
            GtkWidget        *page,
            HgNewVmAssistant *self)
{
  HgVmSpecPage p;

  if (!page_of_widget (self, page, &p))
    return;
  hg_new_vm_assistant_pages_prepare (self, p);
  if (p == HG_VM_SPEC_PAGE_SUMMARY)
    {
      /* an install source suggests installing now; the user's choice
       * stays once made */
      if (!self->summary_seen)
        gtk_toggle_button_set_active (self->start_now_check,
                                      hg_new_vm_assistant_get_install_mode (self) != HG_BOOT_DISK);
      self->summary_seen = TRUE;
      show_error (self->summary_error, NULL);
      hg_new_vm_assistant_revalidate (self);
      update_summary (self);
    }
}

/* ---- public --------------------------------------------------------------- */

HgNewVmAssistant *
hg_new_vm_assistant_new (GtkWindow          *parent,
                         const char * const *bases,
                         HgHostCaps         *caps)
{
  return g_object_new (HG_TYPE_NEW_VM_ASSISTANT,
                       "transient-for", parent,
                       "bases", bases,
                       "host-caps", caps,
                       NULL);
}

void
hg_new_vm_assistant_set_iso (HgNewVmAssistant *self,
                             const char       *path)
{
  g_return_if_fail (HG_IS_NEW_VM_ASSISTANT (self));

  g_object_set (self->spec, "iso-path", path, "source", HG_INSTALL_SOURCE_ISO, NULL);
}

/* ---- GObject -------------------------------------------------------------- */

/* The summary's button makes the VM: it says so ("Create", as GNOME Boxes
 * does), not GTK's "Apply".  It stays GtkAssistant's own apply button (its
 * template child "apply"), so the page flow, the "apply" signal and Enter
 * as the default are GTK's.  Alt+R: Alt+C is Cancel's. */
static void
name_create_button (HgNewVmAssistant *self)
{
  GObject *apply = gtk_widget_get_template_child (GTK_WIDGET (self), GTK_TYPE_ASSISTANT, "apply");

  g_return_if_fail (GTK_IS_BUTTON (apply));
  gtk_button_set_label (GTK_BUTTON (apply), _("C_reate"));
}

static void
hg_new_vm_assistant_constructed (GObject *object)
{
  HgNewVmAssistant *self = HG_NEW_VM_ASSISTANT (object);

  G_OBJECT_CLASS (hg_new_vm_assistant_parent_class)->constructed (object);

  /* the model first: the template binds to it */
  self->spec = hg_vm_spec_new ((const char * const *) self->bases, self->caps);
  gtk_widget_init_template (GTK_WIDGET (self));
  name_create_button (self);

  hg_new_vm_assistant_pages_init (self);
  hg_new_vm_assistant_pages_sync (self);
  g_signal_connect_object (self->spec, "notify", G_CALLBACK (on_spec_notify), self, 0);
  hg_new_vm_assistant_revalidate (self);
}

static void
hg_new_vm_assistant_dispose (GObject *object)
{
  HgNewVmAssistant *self = HG_NEW_VM_ASSISTANT (object);

  g_clear_handle_id (&self->validate_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->create_cancellable != NULL)
    g_cancellable_cancel (self->create_cancellable);
  if (self->detect_cancellable != NULL)
    g_cancellable_cancel (self->detect_cancellable);
  g_clear_object (&self->detect_cancellable);
  if (self->spec != NULL)
    g_signal_handlers_disconnect_by_data (self->spec, self);

  G_OBJECT_CLASS (hg_new_vm_assistant_parent_class)->dispose (object);
}

static void
hg_new_vm_assistant_finalize (GObject *object)
{
  HgNewVmAssistant *self = HG_NEW_VM_ASSISTANT (object);

  for (guint p = 0; p < HG_NEW_VM_N_PAGES; p++)
    g_free (self->page_errors[p]);
  g_free (self->detected_iso);
  g_free (self->firmware_from_os);
  hg_new_vm_assistant_express_finalize (self);
  g_clear_object (&self->create_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->spec);
  g_clear_pointer (&self->caps, hg_host_caps_unref);
  g_strfreev (self->bases);

  G_OBJECT_CLASS (hg_new_vm_assistant_parent_class)->finalize (object);
}

static void
hg_new_vm_assistant_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HgNewVmAssistant *self = HG_NEW_VM_ASSISTANT (object);

  switch (prop_id)
    {
    case PROP_BASES:
      g_value_set_boxed (value, self->bases);
      break;
    case PROP_HOST_CAPS:
      g_value_set_pointer (value, self->caps);
      break;
    case PROP_SPEC:
      g_value_set_object (value, self->spec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_new_vm_assistant_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HgNewVmAssistant *self = HG_NEW_VM_ASSISTANT (object);

  switch (prop_id)
    {
    case PROP_BASES:
      self->bases = g_value_dup_boxed (value);
      break;
    case PROP_HOST_CAPS:
      {
        HgHostCaps *caps = g_value_get_pointer (value);
        self->caps = caps != NULL ? hg_host_caps_ref (caps) : NULL;
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_new_vm_assistant_class_init (HgNewVmAssistantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hg_new_vm_assistant_constructed;
  object_class->dispose = hg_new_vm_assistant_dispose;
  object_class->finalize = hg_new_vm_assistant_finalize;
  object_class->get_property = hg_new_vm_assistant_get_property;
  object_class->set_property = hg_new_vm_assistant_set_property;

  properties[PROP_BASES] =
    g_param_spec_boxed ("bases", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HOST_CAPS] =
    g_param_spec_pointer ("host-caps", NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPEC] =
    g_param_spec_object ("spec", NULL, NULL, HG_TYPE_VM_SPEC,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CREATED] =
    g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, HG_TYPE_VM_CONFIG, G_TYPE_BOOLEAN);

  g_type_ensure (HG_TYPE_VM_SPEC);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-new-vm-assistant.ui");
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, page_summary);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, summary_grid);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, cmdline_view);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, summary_error);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, start_now_check);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, page_progress);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, progress_label);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, HgNewVmAssistant, progress_error);
  gtk_widget_class_bind_template_callback (widget_class, on_prepare);
  gtk_widget_class_bind_template_callback (widget_class, on_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel);
  gtk_widget_class_bind_template_callback (widget_class, on_close);
  hg_new_vm_assistant_pages_class_init (widget_class);
}

static void
hg_new_vm_assistant_init (HgNewVmAssistant *self)
{
  /* the template is built in constructed(), once the spec exists */
  self->cancellable = g_cancellable_new ();
}
