/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hg-cloud-init.h"
#include "hg-install-phase.h"
#include "hg-install-script.h"
#include "hg-new-vm-assistant-private.h"
#include "hg-osinfo.h"

/*
 * Express install on the OS page: once the ISO's OS is detected, libosinfo
 * is asked (in a thread) whether it has an install script for it.  If so,
 * an "Express install" switch asks only for the user, its password, the
 * host name, time zone, keyboard and language; on Create the answer file
 * is generated with them and the spec gets the install-phase hook
 * (hg-install-phase.h).  The password stays in the entries and the hook's
 * answer file (in the runtime directory), never in the config.  If not,
 * the page says express install is not available, and why.
 */

static GtkEntry *
add_row (HgNewVmAssistant *self,
         GtkGrid          *grid,
         int               row,
         const char       *mnemonic,
         const char       *value,
         gboolean          secret)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (mnemonic);
  GtkWidget *entry = gtk_entry_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_widget_set_hexpand (entry, TRUE);
  if (value != NULL)
    gtk_entry_set_text (GTK_ENTRY (entry), value);
  if (secret)
    {
      gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
    }
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (hg_new_vm_assistant_queue_validate), self);
  gtk_grid_attach (grid, label, 0, row, 1, 1);
  gtk_grid_attach (grid, entry, 1, row, 1, 1);
  return GTK_ENTRY (entry);
}

static void
on_express_switch (HgNewVmAssistant *self)
{
  gtk_widget_set_sensitive (self->express_grid, gtk_switch_get_active (self->express_switch));
  hg_new_vm_assistant_queue_validate (self);
}

void
hg_new_vm_assistant_express_init (HgNewVmAssistant *self)
{
  g_autofree char *timezone = hg_install_default_timezone ();
  g_autofree char *keyboard = hg_install_default_keyboard ();
  g_autofree char *language = hg_install_default_language ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *title = gtk_label_new_with_mnemonic (_("E_xpress install"));
  GtkWidget *grid = gtk_grid_new ();
  int row = 0;

  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  gtk_widget_set_hexpand (title, TRUE);
  self->express_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_label_set_mnemonic_widget (GTK_LABEL (title), GTK_WIDGET (self->express_switch));
  gtk_box_pack_start (GTK_BOX (head), title, TRUE, TRUE, 0);
  gtk_box_pack_start (GTK_BOX (head), GTK_WIDGET (self->express_switch), FALSE, FALSE, 0);
  self->express_head = head;

  self->express_info_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->express_info_label, 0.0);
  gtk_label_set_line_wrap (self->express_info_label, TRUE);
  gtk_label_set_max_width_chars (self->express_info_label, 60);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  self->express_grid = grid;
  self->express_user_entry = add_row (self, GTK_GRID (grid), row++, _("_User name"), g_get_user_name (), FALSE);
  self->express_password_entry = add_row (self, GTK_GRID (grid), row++, _("_Password"), NULL, TRUE);
  self->express_confirm_entry = add_row (self, GTK_GRID (grid), row++, _("Con_firm password"), NULL, TRUE);
  self->express_hostname_entry = add_row (self, GTK_GRID (grid), row++, _("_Host name"), NULL, FALSE);
  self->express_timezone_entry = add_row (self, GTK_GRID (grid), row++, _("_Time zone"), timezone, FALSE);
  self->express_keyboard_entry = add_row (self, GTK_GRID (grid), row++, _("_Keyboard"), keyboard, FALSE);
  self->express_language_entry = add_row (self, GTK_GRID (grid), row++, _("_Language"), language, FALSE);
  gtk_widget_set_sensitive (grid, FALSE);

  self->express_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->express_error, 0.0);
  gtk_label_set_line_wrap (self->express_error, TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->express_error)), "error");
  gtk_widget_set_no_show_all (GTK_WIDGET (self->express_error), TRUE);

  gtk_box_pack_start (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), head, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), GTK_WIDGET (self->express_info_label), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), grid, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), GTK_WIDGET (self->express_error), FALSE, FALSE, 0);
  gtk_widget_show_all (box);
  gtk_widget_set_no_show_all (box, TRUE);
  gtk_widget_hide (box);
  self->express_box = box;
  gtk_box_pack_end (GTK_BOX (self->page_os), box, FALSE, FALSE, 0);
  /* the section must not squeeze the list of systems to two rows */
  if (GTK_IS_SCROLLED_WINDOW (gtk_widget_get_parent (GTK_WIDGET (self->os_tree))))
    gtk_scrolled_window_set_min_content_height (
      GTK_SCROLLED_WINDOW (gtk_widget_get_parent (GTK_WIDGET (self->os_tree))), 140);

  g_signal_connect_swapped (self->express_switch, "notify::active", G_CALLBACK (on_express_switch), self);
}

/* ---- availability ----------------------------------------------------------- */

static void
availability_thread (GTask        *task,
                     gpointer      source,
                     gpointer      data,
                     GCancellable *cancellable)
{
  /* placeholders: only whether a script exists matters here */
  HgInstallParams params = { .user = "user", .password = "x", .hostname = "host" };
  GError *error = NULL;
  HgInstallScript *script = hg_install_script_generate (data, NULL, &params, &error);

  if (script == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, script, (GDestroyNotify) hg_install_script_free);
}

static void
on_availability (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HgNewVmAssistant) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgInstallScript) script = g_task_propagate_pointer (G_TASK (result), &error);
  const char *iso = g_task_get_task_data (G_TASK (result));
  g_autofree char *text = NULL;

  if (g_cancellable_is_cancelled (self->cancellable) || g_strcmp0 (iso, self->express_iso) != 0)
    return;
  g_clear_pointer (&self->express_os_name, g_free);
  g_clear_pointer (&self->express_injection, g_free);
  if (script != NULL)
    {
      self->express_os_name = g_strdup (script->os_name);
      self->express_injection = g_strdup (script->injection);
      text = g_strdup_printf (script->needs_internet
                                ? _("Hangar can answer the installer of %s for you (libosinfo's "
                                    "install script). The installer needs the network to finish.")
                                : _("Hangar can answer the installer of %s for you (libosinfo's "
                                    "install script)."),
                              script->os_name);
    }
  else
    text = g_strdup_printf (_("Express install isn't available for this ISO: %s"), error->message);
  gtk_label_set_text (self->express_info_label, text);
  gtk_widget_set_visible (self->express_head, script != NULL);
  gtk_widget_set_visible (self->express_grid, script != NULL);
  if (script == NULL)
    gtk_switch_set_active (self->express_switch, FALSE);
  gtk_widget_show (self->express_box);
  hg_new_vm_assistant_queue_validate (self);
}

/* The OS page shows for source: the section only for the ISO it was
 * asked for (once answered) */
void
hg_new_vm_assistant_express_show (HgNewVmAssistant *self,
                                  const char       *iso)
{
  gtk_widget_set_visible (self->express_box,
                          iso != NULL && g_strcmp0 (iso, self->express_iso) == 0 &&
                          gtk_label_get_text (self->express_info_label)[0] != '\0');
}

void
hg_new_vm_assistant_express_detect (HgNewVmAssistant *self,
                                    const char       *iso)
{
  g_autoptr(GTask) task = NULL;

  g_free (self->express_iso);
  self->express_iso = g_strdup (iso);
  g_clear_pointer (&self->express_injection, g_free);
  gtk_switch_set_active (self->express_switch, FALSE);
  gtk_label_set_text (self->express_info_label, "");
  gtk_widget_hide (self->express_box);
  if (iso == NULL)
    return;
  task = g_task_new (NULL, self->cancellable, on_availability, g_object_ref (self));
  g_task_set_source_tag (task, hg_new_vm_assistant_express_detect);
  g_task_set_task_data (task, g_strdup (iso), g_free);
  g_task_run_in_thread (task, availability_thread);
}

/* ---- the answers -------------------------------------------------------------- */

gboolean
hg_new_vm_assistant_express_active (HgNewVmAssistant *self)
{
  g_autofree char *iso = NULL;

  if (self->express_injection == NULL || !gtk_switch_get_active (self->express_switch) ||
      hg_vm_spec_get_source (self->spec) != HG_INSTALL_SOURCE_ISO)
    return FALSE;
  g_object_get (self->spec, "iso-path", &iso, NULL);
  return g_strcmp0 (iso, self->express_iso) == 0;
}

static char *
express_hostname (HgNewVmAssistant *self)
{
  const char *text = gtk_entry_get_text (self->express_hostname_entry);

  return text[0] != '\0' ? g_strdup (text)
                         : hg_install_hostname_from_label (hg_vm_spec_get_label (self->spec));
}

char *
hg_new_vm_assistant_express_check (HgNewVmAssistant *self)
{
  g_autofree char *hostname = NULL;
  char *message = NULL;

  {
    g_autofree char *placeholder =
      hg_install_hostname_from_label (hg_vm_spec_get_label (self->spec));
    gtk_entry_set_placeholder_text (self->express_hostname_entry, placeholder);
  }
  if (hg_new_vm_assistant_express_active (self))
    {
      hostname = express_hostname (self);
      if (gtk_entry_get_text_length (self->express_user_entry) == 0)
        message = g_strdup (_("Express install: enter the user name"));
      else if (gtk_entry_get_text_length (self->express_password_entry) == 0)
        message = g_strdup (_("Express install: enter the user's password"));
      else if (g_strcmp0 (gtk_entry_get_text (self->express_password_entry),
                          gtk_entry_get_text (self->express_confirm_entry)) != 0)
        message = g_strdup (_("Express install: the passwords do not match"));
      else if (hostname[0] == '\0')
        message = g_strdup (_("Express install: enter the host name"));
    }
  gtk_label_set_text (self->express_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->express_error), message != NULL);
  return message;
}

char *
hg_new_vm_assistant_express_summary (HgNewVmAssistant *self)
{
  g_autofree char *hostname = NULL;

  if (!hg_new_vm_assistant_express_active (self))
    return NULL;
  hostname = express_hostname (self);
  return g_strdup_printf (_("Express install as %s (host %s, %s, keyboard %s, language %s): "
                            "the installer runs unattended"),
                          gtk_entry_get_text (self->express_user_entry), hostname,
                          gtk_entry_get_text (self->express_timezone_entry),
                          gtk_entry_get_text (self->express_keyboard_entry),
                          gtk_entry_get_text (self->express_language_entry));
}

HgBootMode
hg_new_vm_assistant_express_boot_mode (HgNewVmAssistant *self)
{
  return g_strcmp0 (self->express_injection, "initrd") == 0 ? HG_BOOT_KERNEL : HG_BOOT_CDROM;
}

static const char *
entry_or_null (GtkEntry *entry)
{
  const char *text = gtk_entry_get_text (entry);
  return text[0] != '\0' ? text : NULL;
}

gboolean
hg_new_vm_assistant_express_apply (HgNewVmAssistant  *self,
                                   GError           **error)
{
  g_autofree char *hostname = NULL, *bus = NULL, *iso = NULL, *abs_iso = NULL;
  HgConsole console = HG_CONSOLE_VNC;
  HgInstallScript *script;
  HgInstallParams params = { 0 };

  hg_new_vm_assistant_express_abandon (self);
  if (!hg_new_vm_assistant_express_active (self))
    {
      hg_vm_spec_set_create_hook (self->spec, NULL, NULL, NULL);
      return TRUE;
    }
  hostname = express_hostname (self);
  g_object_get (self->spec, "disk-bus", &bus, "console", &console, "iso-path", &iso, NULL);
  params.user = gtk_entry_get_text (self->express_user_entry);
  params.password = gtk_entry_get_text (self->express_password_entry);
  params.hostname = hostname;
  params.timezone = entry_or_null (self->express_timezone_entry);
  params.keyboard = entry_or_null (self->express_keyboard_entry);
  params.language = entry_or_null (self->express_language_entry);
  if (g_strcmp0 (bus, "virtio") == 0)
    params.target_disk = "/dev/vda";
  else if (g_strcmp0 (bus, "ide") == 0 || g_strcmp0 (bus, "scsi") == 0)
    params.target_disk = "/dev/sda";
  script = hg_install_script_generate (iso, NULL, &params, error);
  if (script == NULL)
    return FALSE;
  abs_iso = g_canonicalize_filename (iso, NULL);
  /* the last console= is the installer's: the serial one without a display */
  hg_install_phase_set_spec_hook (self->spec, script, abs_iso,
                                  console == HG_CONSOLE_SERIAL || console == HG_CONSOLE_NONE
                                    ? "console=tty0 console=ttyS0,115200"
                                    : "console=ttyS0,115200 console=tty0",
                                  &self->install_uuid);
  return TRUE;
}

void
hg_new_vm_assistant_express_abandon (HgNewVmAssistant *self)
{
  if (self->install_uuid != NULL)
    hg_install_phase_remove_media (self->install_uuid);
  g_clear_pointer (&self->install_uuid, g_free);
}

void
hg_new_vm_assistant_express_finalize (HgNewVmAssistant *self)
{
  g_free (self->express_iso);
  g_free (self->express_os_name);
  g_free (self->express_injection);
  g_free (self->install_uuid);
  g_free (self->cloud_detected_image);
}

/* ---- cloud images: the cloud-init seed ----------------------------------------- */

/*
 * "Use an existing disk image" with "Prepare it with cloud-init": the
 * image is a cloud image; the VM gets an overlay on it ("Use it where it
 * is") or a copy, and a NoCloud seed CD with the user, its password's hash
 * and/or SSH keys and the host name (hg-cloud-init.h).
 */

static void
on_cloud_check (HgNewVmAssistant *self)
{
  gtk_widget_set_sensitive (self->cloud_grid, gtk_toggle_button_get_active (self->cloud_check));
  gtk_widget_set_sensitive (GTK_WIDGET (self->image_convert_radio),
                            !gtk_toggle_button_get_active (self->cloud_check));
  hg_new_vm_assistant_queue_validate (self);
}

void
hg_new_vm_assistant_cloud_init (HgNewVmAssistant *self)
{
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *label = gtk_label_new_with_mnemonic (_("SSH public _key"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  int row = 0;

  self->cloud_check = GTK_TOGGLE_BUTTON (
    gtk_check_button_new_with_mnemonic (_("Prepare it with c_loud-init (a cloud image): "
                                          "“Use it where it is” makes an overlay on it")));
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_margin_start (grid, 28);
  self->cloud_grid = grid;
  self->cloud_user_entry = add_row (self, GTK_GRID (grid), row++, _("User _name"), g_get_user_name (), FALSE);
  self->cloud_password_entry = add_row (self, GTK_GRID (grid), row++, _("Pass_word"), NULL, TRUE);
  self->cloud_confirm_entry = add_row (self, GTK_GRID (grid), row++, _("Confir_m password"), NULL, TRUE);
  self->cloud_key_chooser = GTK_FILE_CHOOSER (
    gtk_file_chooser_button_new (_("Choose an SSH Public Key"), GTK_FILE_CHOOSER_ACTION_OPEN));
  gtk_file_filter_add_pattern (filter, "*.pub");
  gtk_file_filter_set_name (filter, _("SSH public keys"));
  gtk_file_chooser_add_filter (self->cloud_key_chooser, filter);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->cloud_key_chooser));
  gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), GTK_WIDGET (self->cloud_key_chooser), 1, row++, 1, 1);
  g_signal_connect_swapped (self->cloud_key_chooser, "file-set",
                            G_CALLBACK (hg_new_vm_assistant_queue_validate), self);
  gtk_widget_set_sensitive (grid, FALSE);

  self->cloud_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->cloud_error, 0.0);
  gtk_label_set_line_wrap (self->cloud_error, TRUE);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self->cloud_error)), "error");

  gtk_box_pack_start (GTK_BOX (self->image_box), GTK_WIDGET (self->cloud_check), FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (self->image_box), grid, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (self->image_box), GTK_WIDGET (self->cloud_error), FALSE, FALSE, 0);
  gtk_widget_show_all (GTK_WIDGET (self->cloud_check));
  gtk_widget_show_all (grid);
  gtk_widget_set_no_show_all (GTK_WIDGET (self->cloud_error), TRUE);
  g_signal_connect_swapped (self->cloud_check, "toggled", G_CALLBACK (on_cloud_check), self);
}

gboolean
hg_new_vm_assistant_cloud_active (HgNewVmAssistant *self)
{
  return gtk_toggle_button_get_active (self->cloud_check) &&
         hg_vm_spec_get_source (self->spec) == HG_INSTALL_SOURCE_EXISTING_DISK;
}

static gboolean
cloud_overlay (HgNewVmAssistant *self)
{
  HgImageMode mode = HG_IMAGE_MODE_IN_PLACE;

  g_object_get (self->spec, "image-mode", &mode, NULL);
  return mode == HG_IMAGE_MODE_IN_PLACE;
}

/* The seed's parameters; keys and hash owned by the caller */
static gboolean
cloud_params (HgNewVmAssistant   *self,
              HgCloudInitParams  *params,
              char              **hostname,
              char              **keys,
              char              **hash,
              GError            **error)
{
  g_autofree char *key_file = gtk_file_chooser_get_filename (self->cloud_key_chooser);
  const char *password = gtk_entry_get_text (self->cloud_password_entry);
  HgImageMode mode = HG_IMAGE_MODE_IN_PLACE;

  g_object_get (self->spec, "image-mode", &mode, NULL);
  *hostname = hg_install_hostname_from_label (hg_vm_spec_get_label (self->spec));
  params->user = gtk_entry_get_text (self->cloud_user_entry);
  params->hostname = *hostname;
  params->instance_id = "iid-check";
  if (mode == HG_IMAGE_MODE_CONVERT)
    {
      g_set_error_literal (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_FAILED,
                           _("cloud-init: use the image where it is (an overlay on it) or copy it"));
      return FALSE;
    }
  if (g_strcmp0 (password, gtk_entry_get_text (self->cloud_confirm_entry)) != 0)
    {
      g_set_error_literal (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_NO_LOGIN,
                           _("cloud-init: the passwords do not match"));
      return FALSE;
    }
  if (key_file != NULL && (*keys = hg_cloud_init_read_ssh_keys (key_file, error)) == NULL)
    return FALSE;
  params->ssh_keys = *keys;
  if (password[0] != '\0' && hash != NULL &&
      (*hash = hg_cloud_init_hash_password (password, error)) == NULL)
    return FALSE;
  /* the check wants a login: a placeholder hash stands for a typed password */
  params->password_hash = hash != NULL ? *hash : password[0] != '\0' ? "$6$check$" : NULL;
  return hg_cloud_init_check (params, error);
}

char *
hg_new_vm_assistant_cloud_check (HgNewVmAssistant *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hostname = NULL, *keys = NULL;
  HgCloudInitParams params = { 0 };
  char *message = NULL;

  if (hg_new_vm_assistant_cloud_active (self))
    {
      g_autofree char *image = NULL;

      /* the image's OS, where libosinfo knows its file name: once per image */
      g_object_get (self->spec, "image-path", &image, NULL);
      if (image != NULL && g_strcmp0 (image, self->cloud_detected_image) != 0)
        {
          g_autofree char *id = hg_cloud_image_detect_os (image);
          g_autoptr(HgOsInfo) os = id != NULL ? hg_osinfo_lookup (id) : NULL;

          g_free (self->cloud_detected_image);
          self->cloud_detected_image = g_steal_pointer (&image);
          if (os != NULL)
            hg_vm_spec_apply_os (self->spec, os);
        }
    }
  if (hg_new_vm_assistant_cloud_active (self) &&
      !cloud_params (self, &params, &hostname, &keys, NULL, &error))
    message = g_strdup (error->message);
  gtk_label_set_text (self->cloud_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->cloud_error), message != NULL);
  return message;
}

char *
hg_new_vm_assistant_cloud_summary (HgNewVmAssistant *self)
{
  g_autofree char *hostname = NULL, *key_file = NULL;
  const char *login;

  if (!hg_new_vm_assistant_cloud_active (self))
    return NULL;
  hostname = hg_install_hostname_from_label (hg_vm_spec_get_label (self->spec));
  key_file = gtk_file_chooser_get_filename (self->cloud_key_chooser);
  if (key_file != NULL && gtk_entry_get_text_length (self->cloud_password_entry) > 0)
    login = _("a password hash and SSH keys");
  else if (key_file != NULL)
    login = _("SSH keys");
  else
    login = _("a password hash");
  return g_strdup_printf (cloud_overlay (self)
                            ? _("an overlay on the image, and a cloud-init seed CD: user %s with %s, "
                                "host name %s")
                            : _("a copy of the image, and a cloud-init seed CD: user %s with %s, "
                                "host name %s"),
                          gtk_entry_get_text (self->cloud_user_entry), login, hostname);
}

gboolean
hg_new_vm_assistant_cloud_apply (HgNewVmAssistant  *self,
                                 GError           **error)
{
  g_autofree char *hostname = NULL, *keys = NULL, *hash = NULL, *image = NULL, *abs_image = NULL;
  HgCloudInitParams params = { 0 };

  if (!hg_new_vm_assistant_cloud_active (self))
    return TRUE;
  if (!cloud_params (self, &params, &hostname, &keys, &hash, error))
    return FALSE;
  g_object_get (self->spec, "image-path", &image, NULL);
  abs_image = g_canonicalize_filename (image, NULL);
  hg_cloud_init_set_spec_hook (self->spec, &params, abs_image, cloud_overlay (self), 0);
  return TRUE;
}
