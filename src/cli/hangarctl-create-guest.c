/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hangarctl.h"
#include "hangarctl-create-guest.h"
#include "hg-cloud-init.h"
#include "hg-disk-image.h"
#include "hg-install-phase.h"
#include "hg-install-script.h"
#include "hg-os-firmware.h"
#include "hg-vm.h"

/*
 * hangarctl create --iso ISO --express --user NAME --password-file FILE
 *                  [--hostname H --timezone TZ --keyboard K --language L
 *                   --profile desktop|jeos --product-key KEY]
 * hangarctl create --cloud-image IMAGE --user NAME [--ssh-key FILE]
 *                  [--password-file FILE] [--copy|--overlay]
 *
 * Both end in a create hook of the spec (hg_install_phase_set_spec_hook,
 * hg_cloud_init_set_spec_hook) that
 * runs before the config is written, so a failure leaves nothing: the
 * express install's media in the runtime directory and its install phase
 * (hg-install-phase.h); the cloud image's overlay and cloud-init seed.
 */

void
hg_cli_guest_options_clear (HgCliGuestOptions *g)
{
  char **strings[] = { &g->cloud_image, &g->user, &g->password_file, &g->ssh_key, &g->hostname,
                       &g->timezone, &g->keyboard, &g->language, &g->profile, &g->product_key,
                       &g->ssh_keys, &g->install_uuid };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  if (g->password != NULL)
    explicit_bzero (g->password, strlen (g->password));
  g_clear_pointer (&g->password, g_free);
}

static gboolean
usage (int        *status,
       const char *format,
       ...) G_GNUC_PRINTF (2, 3);

static gboolean
usage (int        *status,
       const char *format,
       ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  hg_cli_error ("create", "%s", message);
  *status = HG_EXIT_USAGE;
  return FALSE;
}

/* A login name an installer takes: a letter, then letters, digits, . _ - */
static gboolean
login_is_valid (const char *user)
{
  gsize len = strlen (user);

  if (len == 0 || len > 32 || !g_ascii_isalpha (user[0]))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!g_ascii_isalnum (user[i]) && user[i] != '.' && user[i] != '_' && user[i] != '-')
      return FALSE;
  return TRUE;
}

static int
file_status (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
         strstr (error->message, g_strerror (ENOENT)) != NULL ? HG_EXIT_NOT_FOUND : HG_EXIT_USAGE;
}

gboolean
hg_cli_guest_check (HgCliGuestOptions *g,
                    const char        *iso,
                    const char        *kernel,
                    const char        *disk,
                    const char        *disk_size,
                    int               *status)
{
  g_autoptr(GError) error = NULL;
  gboolean guest = g->express || g->cloud_image != NULL;

  if (g->express && g->cloud_image != NULL)
    return usage (status, _("--express (an install from --iso) and --cloud-image exclude each other"));
  if (g->express && iso == NULL)
    return usage (status, _("--express needs --iso FILE: the installer it answers for"));
  if (g->express && kernel != NULL)
    return usage (status, _("--express boots the installer of --iso: it excludes --kernel"));
  if (g->cloud_image != NULL && (iso != NULL || kernel != NULL || disk != NULL))
    return usage (status, _("--cloud-image is the VM's disk: it excludes --iso, --kernel and "
                            "--disk-image"));
  if (g->copy && g->overlay)
    return usage (status, _("--copy and --overlay exclude each other"));
  if ((g->copy || g->overlay) && g->cloud_image == NULL)
    return usage (status, _("--copy and --overlay are for --cloud-image"));
  if (!guest && (g->user != NULL || g->password_file != NULL || g->ssh_key != NULL ||
                 g->hostname != NULL))
    return usage (status, _("--user, --password-file, --ssh-key and --hostname are for --express "
                            "or --cloud-image"));
  if (!g->express && (g->timezone != NULL || g->keyboard != NULL || g->language != NULL ||
                      g->profile != NULL || g->product_key != NULL))
    return usage (status, _("--timezone, --keyboard, --language, --profile and --product-key are "
                            "for --express"));
  if (g->express && g->ssh_key != NULL)
    return usage (status, _("--ssh-key is for --cloud-image (an installer takes a password)"));
  if (g->profile != NULL && !g_str_equal (g->profile, "desktop") && !g_str_equal (g->profile, "jeos"))
    return usage (status, _("--profile: unknown value '%s' (desktop, jeos)"), g->profile);
  if (!guest)
    return TRUE;
  if (g->cloud_image != NULL && !g_file_test (g->cloud_image, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *shown = g_filename_display_name (g->cloud_image);

      hg_cli_error ("create", _("--cloud-image %s: no such file"), shown);
      *status = g_file_test (g->cloud_image, G_FILE_TEST_EXISTS) ? HG_EXIT_USAGE : HG_EXIT_NOT_FOUND;
      return FALSE;
    }
  if (g->user == NULL)
    return usage (status, _("--user NAME is required with %s: the user to create"),
                  g->express ? "--express" : "--cloud-image");
  if (!login_is_valid (g->user))
    return usage (status, _("--user: “%s” is not a user name (a letter, then letters, digits, "
                            ". _ or -; at most 32)"), g->user);
  if (g->express && g->password_file == NULL)
    return usage (status, _("--express needs --password-file FILE: the password of the user "
                            "(and the administrator)"));
  if (g->cloud_image != NULL && g->password_file == NULL && g->ssh_key == NULL)
    return usage (status, _("--cloud-image needs --ssh-key FILE or --password-file FILE: how the "
                            "user logs in"));

  /* the files, now: nothing is made before they are known good */
  if (g->password_file != NULL)
    {
      g->password = hg_install_read_password_file (g->password_file, &error);
      if (g->password == NULL)
        {
          hg_cli_error ("create", "--password-file: %s", error->message);
          *status = file_status (error);
          return FALSE;
        }
    }
  if (g->ssh_key != NULL)
    {
      g->ssh_keys = hg_cloud_init_read_ssh_keys (g->ssh_key, &error);
      if (g->ssh_keys == NULL)
        {
          hg_cli_error ("create", "--ssh-key: %s", error->message);
          *status = file_status (error);
          return FALSE;
        }
    }
  return TRUE;
}

void
hg_cli_guest_apply_firmware (HgVmSpec *spec,
                             HgOsInfo *os)
{
  g_autoptr(HgOsFirmwareAdvice) advice = NULL;
  HgFirmwareKind kind;

  if (os == NULL)
    return;
  advice = hg_os_firmware_recommend (os->id, hg_vm_spec_get_arch (spec));
  if (advice == NULL || g_str_equal (advice->firmware, "bios"))
    return;
  if (!advice->needed)
    {
      /* a BIOS-bootable medium stays bootable: UEFI only when asked for */
      g_print (_("Firmware: BIOS (%s: choose it with [machine] firmware=%s)\n"), advice->reason,
               advice->firmware);
      return;
    }
  if (!hg_firmware_kind_from_string (advice->firmware, &kind))
    return;
  g_object_set (spec, "firmware", kind, NULL);
  if (advice->tpm)
    g_object_set (spec, "tpm", TRUE, NULL);
  if (g_str_equal (advice->firmware, "uefi-secure"))
    g_print (advice->tpm ? _("Firmware: UEFI with Secure Boot, and a TPM 2.0: %s\n")
                         : _("Firmware: UEFI with Secure Boot: %s\n"), advice->reason);
  else
    g_print (advice->tpm ? _("Firmware: UEFI, and a TPM 2.0: %s\n") : _("Firmware: UEFI: %s\n"),
             advice->reason);
}

/* ---- cloud images --------------------------------------------------------------- */

void
hg_cli_guest_detect_os (HgVmSpec          *spec,
                        HgCliGuestOptions *g)
{
  g_autofree char *id = NULL;
  g_autoptr(HgOsInfo) os = NULL;

  if (g->cloud_image == NULL)
    return;
  id = hg_cloud_image_detect_os (g->cloud_image);
  os = id != NULL ? hg_osinfo_lookup (id) : NULL;
  if (os != NULL)
    {
      hg_vm_spec_apply_os (spec, os);
      g_print (_("Detected %s (%s) from the image's name\n"), os->name, os->id);
    }
  else
    g_print (_("Operating system of %s: unknown (libosinfo does not know this image)\n"),
             g->cloud_image);
}

static gboolean
setup_cloud (HgVmSpec          *spec,
             HgCliGuestOptions *g,
             const char        *label,
             int               *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *hostname = g->hostname != NULL ? g_strdup (g->hostname)
                                                  : hg_install_hostname_from_label (label);
  g_autofree char *image = g_canonicalize_filename (g->cloud_image, NULL);
  HgCloudInitParams params = { .user = g->user, .ssh_keys = g->ssh_keys, .hostname = hostname,
                               .instance_id = "iid-check" };

  if (g->password != NULL && (hash = hg_cloud_init_hash_password (g->password, &error)) == NULL)
    {
      hg_cli_error ("create", "--password-file: %s", error->message);
      *status = HG_EXIT_FAILURE;
      return FALSE;
    }
  params.password_hash = hash;
  if (g->disk_bytes > 0)
    {
      /* the disk grows, never shrinks */
      g_autoptr(HgDiskImageInfo) info = hg_disk_image_inspect (image, NULL, NULL, &error);
      guint64 image_size = info != NULL ? ((HgDiskImageLayer *) info->layers->pdata[0])->virtual_size : 0;

      if (info == NULL)
        {
          hg_cli_error ("create", "--cloud-image: %s", error->message);
          *status = HG_EXIT_USAGE;
          return FALSE;
        }
      if (g->disk_bytes < image_size)
        {
          g_autofree char *want = hg_size_format (g->disk_bytes);
          g_autofree char *have = hg_size_format (image_size);

          hg_cli_error ("create", _("--disk-size: %s is smaller than the image (%s): the disk "
                                    "can only grow"), want, have);
          *status = HG_EXIT_USAGE;
          return FALSE;
        }
    }
  if (!hg_cloud_init_check (&params, &error))
    {
      const char *flag = g_error_matches (error, HG_CLOUD_INIT_ERROR, HG_CLOUD_INIT_ERROR_HOSTNAME)
                           ? "--hostname" : "--user";
      hg_cli_error ("create", "%s: %s", flag, error->message);
      *status = HG_EXIT_USAGE;
      return FALSE;
    }
  hg_cloud_init_set_spec_hook (spec, &params, image, !g->copy, g->disk_bytes);
  return TRUE;
}

/* ---- express install --------------------------------------------------------------- */

static gboolean
setup_express (HgVmSpec          *spec,
               HgCliGuestOptions *g,
               const char        *label,
               const char        *iso,
               int               *status)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hostname = g->hostname != NULL ? g_strdup (g->hostname)
                                                  : hg_install_hostname_from_label (label);
  g_autofree char *timezone = g->timezone != NULL ? g_strdup (g->timezone) : hg_install_default_timezone ();
  g_autofree char *language = g->language != NULL ? g_strdup (g->language) : hg_install_default_language ();
  g_autofree char *keyboard = g->keyboard != NULL ? g_strdup (g->keyboard) : hg_install_default_keyboard ();
  g_autofree char *bus = NULL;
  HgInstallParams params = {
    .user = g->user, .password = g->password, .hostname = hostname, .timezone = timezone,
    .keyboard = keyboard, .language = language, .product_key = g->product_key,
    .profile = g->profile,
  };
  g_autofree char *append = NULL, *abs_iso = NULL;
  HgConsole console;
  HgInstallScript *script;

  g_object_get (spec, "disk-bus", &bus, "console", &console, NULL);
  if (g_strcmp0 (bus, "virtio") == 0)
    params.target_disk = "/dev/vda";
  else if (g_strcmp0 (bus, "ide") == 0 || g_strcmp0 (bus, "scsi") == 0)
    params.target_disk = "/dev/sda";
  script = hg_install_script_generate (iso, NULL, &params, &error);
  if (script == NULL)
    {
      hg_cli_error ("create", "--express: %s", error->message);
      *status = g_error_matches (error, HG_OSINFO_ERROR, HG_OSINFO_ERROR_NO_DATABASE)
                  ? HG_EXIT_MISSING : HG_EXIT_USAGE;
      return FALSE;
    }
  g_print (_("Express install of %s: libosinfo's %s script writes %s, delivered by %s\n"),
           script->os_name, script->profile, script->filename, script->injection);
  if (script->needs_internet)
    g_print (_("Note: libosinfo says this installer needs the network to finish\n"));
  /* the last console= is the installer's: the serial one when there is no
   * display */
  append = g_strjoin (" ", console == HG_CONSOLE_SERIAL || console == HG_CONSOLE_NONE
                             ? "console=tty0 console=ttyS0,115200"
                             : "console=ttyS0,115200 console=tty0",
                      g->append != NULL ? g->append : "", NULL);
  g_strstrip (append);
  abs_iso = g_canonicalize_filename (iso, NULL);
  hg_install_phase_set_spec_hook (spec, script, abs_iso, append, &g->install_uuid);
  return TRUE;
}

gboolean
hg_cli_guest_setup (HgVmSpec          *spec,
                    HgCliGuestOptions *g,
                    const char        *label,
                    const char        *iso,
                    int               *status)
{
  if (g->cloud_image != NULL)
    return setup_cloud (spec, g, label, status);
  if (g->express)
    return setup_express (spec, g, label, iso, status);
  return TRUE;
}

void
hg_cli_guest_abandon (HgCliGuestOptions *g)
{
  if (g->install_uuid != NULL)
    hg_install_phase_remove_media (g->install_uuid);
}

void
hg_cli_guest_created (HgCliGuestOptions *g,
                      const char        *label)
{
  if (g->express)
    g_print (_("Start it (hangarctl start --wait-install %s, or in the window): the installer "
               "runs unattended; when it is done Hangar removes the install media and starts "
               "the VM from its disk\n"), label);
  else if (g->cloud_image != NULL)
    g_print (_("Its cloud-init seed (user %s) is in the CD drive\n"), g->user);
}

/* ---- hangarctl start --wait-install ------------------------------------------------ */

typedef struct {
  GMainLoop *loop;
  char      *installed_reason;   /* of the STOPPED between the install and the restart */
} InstallWait;

static void
on_install_state (HgVm       *vm,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  InstallWait *w = user_data;
  HgVmState state = hg_vm_get_state (vm);
  const char *reason = hg_vm_get_state_reason (vm);
  gboolean installing = hg_install_phase_active (hg_vm_get_config (vm));

  (void) pspec;
  if (state == HG_VM_STATE_STOPPED && !installing && w->installed_reason == NULL)
    {
      /* the phase ended; the start from the disk follows */
      w->installed_reason = g_strdup (reason != NULL ? reason : "");
      return;
    }
  if (state == HG_VM_STATE_STOPPED && !installing && g_strcmp0 (reason, w->installed_reason) == 0)
    return;
  if ((state == HG_VM_STATE_RUNNING && !installing) || state == HG_VM_STATE_CRASHED ||
      state == HG_VM_STATE_STOPPED)
    g_main_loop_quit (w->loop);
}

int
hg_cli_wait_install (HgVm *vm)
{
  InstallWait w = { 0 };
  gulong handlers[2];
  HgVmState state;

  if (!hg_install_phase_active (hg_vm_get_config (vm)))
    return HG_EXIT_OK;
  g_print (_("Installing — the guest is working (watch it on its console); waiting for the "
             "installer to finish\n"));
  w.loop = g_main_loop_new (NULL, FALSE);
  handlers[0] = g_signal_connect (vm, "notify::state", G_CALLBACK (on_install_state), &w);
  handlers[1] = g_signal_connect (vm, "notify::state-reason", G_CALLBACK (on_install_state), &w);
  g_main_loop_run (w.loop);
  g_signal_handler_disconnect (vm, handlers[0]);
  g_signal_handler_disconnect (vm, handlers[1]);
  g_main_loop_unref (w.loop);
  g_free (w.installed_reason);
  state = hg_vm_get_state (vm);
  if (state == HG_VM_STATE_RUNNING && !hg_install_phase_active (hg_vm_get_config (vm)))
    {
      g_print (_("Installed: the install media are removed, and VM '%s' runs from its disk "
                 "(pid %d)\n"), hg_vm_get_label (vm), (int) hg_vm_get_pid (vm));
      return HG_EXIT_OK;
    }
  hg_cli_error ("start", _("the install did not finish: VM '%s' %s (%s)"), hg_vm_get_label (vm),
                hg_vm_state_to_string (state),
                hg_vm_get_state_reason (vm) != NULL ? hg_vm_get_state_reason (vm) : "");
  return HG_EXIT_FAILURE;
}
