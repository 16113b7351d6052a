/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "hangarctl.h"
#include "hangarctl-private.h"
#include "hangarctl-create-guest.h"
#include "hg-ctys.h"
#include "hg-host.h"
#include "hg-library.h"
#include "hg-vm-config.h"
#include "hg-vm-spec.h"

/*
 * hangarctl create --label NAME ...   (ctys --auto-all)
 * hangarctl import-ctys FILE [--base DIR] [--folder PATH] [--label NAME] [--in-place]
 */

/* ---- create ----------------------------------------------------------------- */

/*
 * create runs on HgVmSpec (src/core/hg-vm-spec.h), the model the creation
 * assistant binds to: the flags set its properties, --iso detects the OS
 * the same way, the spec validates and creates atomically (progress on
 * stderr when it is a terminal; Ctrl-C cancels and leaves nothing).
 */

typedef struct {
  char    *label;
  char    *dir;
  char    *folder;
  char    *arch;
  char    *machine;
  char    *cpu;
  char    *memory;
  char    *cpus;
  char    *accel;
  char    *disk_size;
  char    *disk_bus;
  char    *disk;
  char    *image_mode;
  char    *iso;
  char    *kernel;
  char    *initrd;
  char    *append;
  char    *boot;
  char    *net;
  char    *switch_name;
  char    *tap;
  char    *mac;
  char    *nic_model;
  char    *console;
  char    *keymap;
  char    *firmware;
  gboolean tpm;
  char    *os;
  char   **forwards;
  gboolean copy_in;
  gboolean no_detect;
  char   **local_bases;
  HgCliGuestOptions guest;   /* --express, --cloud-image ... */
} CreateOptions;

static void
create_options_clear (CreateOptions *o)
{
  char **strings[] = { &o->label, &o->dir, &o->folder, &o->arch, &o->machine, &o->cpu,
                       &o->memory, &o->cpus, &o->accel, &o->disk_size, &o->disk_bus, &o->disk,
                       &o->image_mode, &o->iso, &o->kernel, &o->initrd, &o->append, &o->boot,
                       &o->net, &o->switch_name, &o->tap, &o->mac, &o->nic_model, &o->console,
                       &o->keymap, &o->os, &o->firmware };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  g_clear_pointer (&o->forwards, g_strfreev);
  g_clear_pointer (&o->local_bases, g_strfreev);
  hg_cli_guest_options_clear (&o->guest);
}

/* An unsigned decimal in [min, max] */
static gboolean
parse_uint (const char *flag,
            const char *text,
            guint64     min,
            guint64     max,
            guint64    *out)
{
  if (!g_ascii_string_to_unsigned (text, 10, min, max, out, NULL))
    {
      /* numbers as strings: gettext cannot see through G_GUINT64_FORMAT */
      g_autofree char *lo = g_strdup_printf ("%" G_GUINT64_FORMAT, min);
      g_autofree char *hi = g_strdup_printf ("%" G_GUINT64_FORMAT, max);

      hg_cli_error ("create", _("%s: '%s' is not a number from %s to %s"), flag, text, lo, hi);
      return FALSE;
    }
  return TRUE;
}

/* A sub-folder below the base: relative, no "..", nothing hidden */
static gboolean
folder_is_valid (const char *folder)
{
  g_auto(GStrv) parts = NULL;

  if (folder[0] == '\0')
    return TRUE;
  if (folder[0] == '/' || !g_utf8_validate (folder, -1, NULL))
    return FALSE;
  parts = g_strsplit (folder, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '\0' || parts[i][0] == '.')
      {
        /* a trailing slash is fine */
        if (parts[i][0] == '\0' && parts[i + 1] == NULL && i > 0)
          continue;
        return FALSE;
      }
  return TRUE;
}

/* An existing regular file named by a flag, made absolute */
static char *
existing_file (const char *flag,
               const char *path,
               int        *status)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *shown = g_filename_display_name (abs);

  if (!g_file_test (abs, G_FILE_TEST_EXISTS))
    {
      hg_cli_error ("create", _("%s %s: no such file"), flag, shown);
      *status = HG_EXIT_NOT_FOUND;
      return NULL;
    }
  if (!g_file_test (abs, G_FILE_TEST_IS_REGULAR))
    {
      hg_cli_error ("create", _("%s %s: not a regular file"), flag, shown);
      *status = HG_EXIT_USAGE;
      return NULL;
    }
  return g_steal_pointer (&abs);
}

static void
unknown_value (const char *flag,
               const char *value,
               const char *choices)
{
  hg_cli_error ("create", _("%s: unknown value '%s' (%s)"), flag, value, choices);
}

/* The flag a spec error is about: the field's own, never a neighbour's.
 * The base directory is --dir, or --base when that named it. */
static const char *
flag_for_error (const GError  *error,
                CreateOptions *o,
                gboolean       bases_given)
{
  static const char *const flags[] = {
    [HG_VM_SPEC_ERROR_LABEL] = "--label",
    [HG_VM_SPEC_ERROR_LOCATION] = "--folder",
    [HG_VM_SPEC_ERROR_SOURCE] = "--boot",
    [HG_VM_SPEC_ERROR_ISO] = "--iso",
    [HG_VM_SPEC_ERROR_KERNEL] = "--kernel",
    [HG_VM_SPEC_ERROR_IMAGE] = "--disk-image",
    [HG_VM_SPEC_ERROR_OS] = "--os",
    [HG_VM_SPEC_ERROR_ARCH] = "--arch",
    [HG_VM_SPEC_ERROR_ACCEL] = "--accel",
    [HG_VM_SPEC_ERROR_MEMORY] = "--memory",
    [HG_VM_SPEC_ERROR_CPUS] = "--cpus",
    [HG_VM_SPEC_ERROR_DISK_SIZE] = "--disk-size",
    [HG_VM_SPEC_ERROR_DISK_BUS] = "--disk-bus",
    [HG_VM_SPEC_ERROR_NETWORK] = "--net",
    [HG_VM_SPEC_ERROR_MAC] = "--mac",
    [HG_VM_SPEC_ERROR_FORWARD] = "--forward",
    [HG_VM_SPEC_ERROR_CONSOLE] = "--console",
    [HG_VM_SPEC_ERROR_INITRD] = "--initrd",
    [HG_VM_SPEC_ERROR_APPEND] = "--append",
    [HG_VM_SPEC_ERROR_MACHINE] = "--machine",
    [HG_VM_SPEC_ERROR_CPU_MODEL] = "--cpu",
    [HG_VM_SPEC_ERROR_SWITCH] = "--switch",
    [HG_VM_SPEC_ERROR_TAP] = "--tap",
    [HG_VM_SPEC_ERROR_NIC_MODEL] = "--nic-model",
    [HG_VM_SPEC_ERROR_KEYMAP] = "--keymap",
  };

  if (error->domain != HG_VM_SPEC_ERROR)
    return NULL;
  if (error->code == HG_VM_SPEC_ERROR_BASE_DIR)
    return o->dir != NULL ? "--dir" : bases_given ? "--base" : NULL;
  if (error->code == HG_VM_SPEC_ERROR_IMAGE && o->guest.cloud_image != NULL)
    return "--cloud-image";
  if ((guint) error->code >= G_N_ELEMENTS (flags))
    return NULL;
  return flags[error->code];
}

static int
spec_fail (const GError  *error,
           CreateOptions *o,
           gboolean       bases_given)
{
  const char *flag = flag_for_error (error, o, bases_given);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      hg_cli_error ("create", _("cancelled; nothing was created"));
      return HG_EXIT_FAILURE;
    }
  if (flag != NULL)
    hg_cli_error ("create", "%s: %s", flag, error->message);
  else
    hg_cli_error ("create", "%s", error->message);
  if (error->domain == HG_VM_SPEC_ERROR &&
      (error->code == HG_VM_SPEC_ERROR_FAILED || error->code == HG_VM_SPEC_ERROR_BUSY))
    return HG_EXIT_FAILURE;
  if (error->domain == HG_VM_SPEC_ERROR && error->code == HG_VM_SPEC_ERROR_ARCH &&
      strstr (error->message, "not installed") != NULL)
    return HG_EXIT_MISSING;
  if (error->domain == HG_VM_SPEC_ERROR || error->domain == HG_DISK_IMAGE_ERROR)
    return error->domain == HG_DISK_IMAGE_ERROR && error->code == HG_DISK_IMAGE_ERROR_NO_TOOL
             ? HG_EXIT_MISSING : error->domain == HG_VM_SPEC_ERROR ? HG_EXIT_USAGE : HG_EXIT_FAILURE;
  return HG_EXIT_FAILURE;
}

/* Flags -> spec properties; FALSE (error printed, *status set) on a bad one */
static gboolean
apply_options (HgVmSpec      *spec,
               CreateOptions *o,
               int           *status)
{
  g_autoptr(GError) error = NULL;
  HgAccel accel;
  HgBootMode boot;
  HgNetMode net = HG_NET_USER;
  HgConsole console;
  HgFirmwareKind firmware = HG_FIRMWARE_BIOS;
  HgImageMode image_mode = HG_IMAGE_MODE_IN_PLACE;
  HgInstallSource source;
  guint64 number, disk_bytes = 0;
  g_autofree char *kernel = NULL, *initrd = NULL, *iso = NULL, *image = NULL;
  g_autoptr(HgOsInfo) detected = NULL;

  *status = HG_EXIT_USAGE;
  if (o->label == NULL)
    {
      hg_cli_error ("create", _("--label is required: the VM's name"));
      return FALSE;
    }
  if (!hg_label_is_valid (o->label, &error))
    {
      hg_cli_error ("create", "--label: %s", error->message);
      return FALSE;
    }
  if (o->arch != NULL && hg_host_arch_canonical (o->arch) == NULL)
    {
      g_autofree char *known = g_strjoinv (" ", (char **) hg_host_known_arches ());
      hg_cli_error ("create", _("--arch: unknown architecture '%s' (%s)"), o->arch, known);
      return FALSE;
    }
  if (o->arch != NULL)
    {
      /* Debian's names (armhf, ppc64el ...) stand for Hangar's */
      char *arch = g_strdup (hg_host_arch_canonical (o->arch));
      g_free (o->arch);
      o->arch = arch;
    }
  if (o->accel != NULL && !hg_accel_from_string (o->accel, &accel))
    {
      unknown_value ("--accel", o->accel, "auto, kvm, tcg");
      return FALSE;
    }
  if (o->boot != NULL && !hg_boot_mode_from_string (o->boot, &boot))
    {
      unknown_value ("--boot", o->boot, "disk, cdrom, pxe, kernel");
      return FALSE;
    }
  if (o->net != NULL && !hg_net_mode_from_string (o->net, &net))
    {
      unknown_value ("--net", o->net, "user, vde, tap, none");
      return FALSE;
    }
  if (o->console != NULL && !hg_console_from_string (o->console, &console))
    {
      unknown_value ("--console", o->console, "vnc, sdl, serial, none");
      return FALSE;
    }
  if (o->firmware != NULL && !hg_firmware_kind_from_string (o->firmware, &firmware))
    {
      unknown_value ("--firmware", o->firmware, "bios, uefi, uefi-secure");
      return FALSE;
    }
  if (o->image_mode != NULL && !hg_image_mode_from_string (o->image_mode, &image_mode))
    {
      unknown_value ("--image-mode", o->image_mode, "in-place, copy, convert");
      return FALSE;
    }
  if (o->mac != NULL && !hg_mac_is_valid (o->mac))
    {
      hg_cli_error ("create", _("--mac: '%s' is not a unicast MAC address like 52:54:00:12:34:56"),
                    o->mac);
      return FALSE;
    }
  if (o->net == NULL && o->switch_name != NULL)
    net = HG_NET_VDE;
  if (o->net == NULL && o->tap != NULL)
    net = HG_NET_TAP;
  if (o->switch_name != NULL && net != HG_NET_VDE)
    {
      hg_cli_error ("create", _("--switch is for --net vde"));
      return FALSE;
    }
  if (o->tap != NULL && net != HG_NET_TAP)
    {
      hg_cli_error ("create", _("--tap is for --net tap"));
      return FALSE;
    }
  if (o->forwards != NULL && net != HG_NET_USER)
    {
      hg_cli_error ("create", _("--forward is for --net user"));
      return FALSE;
    }
  if (net == HG_NET_NONE && (o->mac != NULL || o->nic_model != NULL))
    {
      hg_cli_error ("create", _("--mac and --nic-model need a network (--net none has none)"));
      return FALSE;
    }
  if (o->boot != NULL && boot == HG_BOOT_KERNEL && o->kernel == NULL)
    {
      hg_cli_error ("create", _("--boot kernel needs --kernel FILE"));
      return FALSE;
    }
  if (o->boot != NULL && boot == HG_BOOT_CDROM && o->iso == NULL)
    {
      hg_cli_error ("create", _("--boot cdrom needs --iso FILE"));
      return FALSE;
    }
  if (o->kernel == NULL && (o->initrd != NULL || (o->append != NULL && !o->guest.express)))
    {
      hg_cli_error ("create", _("--initrd and --append need --kernel (or --express: --append "
                                "then adds to the installer's arguments)"));
      return FALSE;
    }
  if (o->disk != NULL && o->disk_size != NULL)
    {
      hg_cli_error ("create", _("--disk-image (an existing image) and --disk-size (a new one) "
                                "exclude each other"));
      return FALSE;
    }
  if (o->image_mode != NULL && o->disk == NULL)
    {
      hg_cli_error ("create", _("--image-mode is for --disk-image"));
      return FALSE;
    }
  if (o->folder != NULL && !folder_is_valid (o->folder))
    {
      g_autofree char *shown = g_filename_display_name (o->folder);

      hg_cli_error ("create", _("--folder: '%s' must be a relative path without “..” or "
                                "hidden parts"), shown);
      return FALSE;
    }
  if (o->memory != NULL && !parse_uint ("--memory", o->memory, 1, HG_CONFIG_MAX_MEMORY_MIB, &number))
    return FALSE;
  if (o->cpus != NULL && !parse_uint ("--cpus", o->cpus, 1, HG_CONFIG_MAX_CPUS, &number))
    return FALSE;
  if (o->disk_size != NULL)
    {
      if (!hg_size_parse (o->disk_size, &disk_bytes, &error))
        {
          hg_cli_error ("create", "--disk-size: %s", error->message);
          return FALSE;
        }
      if (disk_bytes > 0 && disk_bytes < (G_GUINT64_CONSTANT (1) << 20))
        {
          hg_cli_error ("create", _("--disk-size: %s is smaller than 1M (a bare number counts "
                                    "bytes; write e.g. 8G)"), o->disk_size);
          return FALSE;
        }
    }

  if (!hg_cli_guest_check (&o->guest, o->iso, o->kernel, o->disk, o->disk_size, status))
    return FALSE;
  if (o->guest.cloud_image != NULL && o->disk_size != NULL && disk_bytes == 0)
    {
      hg_cli_error ("create", _("--disk-size 0: with --cloud-image the image is the disk"));
      return FALSE;
    }
  o->guest.disk_bytes = disk_bytes;
  if (o->guest.cloud_image != NULL)
    {
      /* the image is the disk: an overlay of it (made by the create hook)
       * or a copy */
      o->disk = g_strdup (o->guest.cloud_image);
      o->image_mode = g_strdup (o->guest.copy ? "copy" : "in-place");
      if (!hg_image_mode_from_string (o->image_mode, &image_mode))
        g_assert_not_reached ();
    }

  /* the files it refers to */
  if (o->kernel != NULL && (kernel = existing_file ("--kernel", o->kernel, status)) == NULL)
    return FALSE;
  if (o->initrd != NULL && (initrd = existing_file ("--initrd", o->initrd, status)) == NULL)
    return FALSE;
  if (o->iso != NULL && (iso = existing_file ("--iso", o->iso, status)) == NULL)
    return FALSE;
  if (o->disk != NULL && (image = existing_file ("--disk-image", o->disk, status)) == NULL)
    return FALSE;
  *status = HG_EXIT_USAGE;

  /* where, what from */
  g_object_set (spec, "label", o->label, "folder", o->folder, NULL);
  if (o->dir != NULL)
    {
      g_autofree char *dir = g_canonicalize_filename (o->dir, NULL);
      g_object_set (spec, "base-dir", dir, NULL);
    }
  if (kernel != NULL)
    source = HG_INSTALL_SOURCE_KERNEL;
  else if (iso != NULL)
    source = HG_INSTALL_SOURCE_ISO;
  else if (image != NULL)
    source = HG_INSTALL_SOURCE_EXISTING_DISK;
  else if (disk_bytes == 0 && net != HG_NET_NONE)
    source = HG_INSTALL_SOURCE_PXE;
  else
    source = HG_INSTALL_SOURCE_NONE;
  g_object_set (spec, "source", source, "kernel-path", kernel, "initrd-path", initrd,
                "append", o->append, "iso-path", iso, "image-path", image,
                "image-mode", image_mode, "copy-in", o->copy_in, NULL);

  /* the OS: detected from the ISO, or named */
  if (iso != NULL && !o->no_detect)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(HgOsInfo) os = hg_osinfo_detect_iso (iso, NULL, &local);

      if (os != NULL)
        {
          hg_vm_spec_apply_os (spec, os);
          g_object_set (spec, "os-id", os->id, NULL);
          g_print (_("Detected %s (%s) on %s\n"), os->name, os->id, iso);
          detected = hg_os_info_ref (os);
        }
      else if (g_error_matches (local, HG_OSINFO_ERROR, HG_OSINFO_ERROR_UNKNOWN) ||
               g_error_matches (local, HG_OSINFO_ERROR, HG_OSINFO_ERROR_NO_DATABASE))
        g_print (_("Operating system not recognised: %s\n"), local->message);
    }
  hg_cli_guest_detect_os (spec, &o->guest);
  if (o->os != NULL)
    {
      g_autoptr(HgOsInfo) os = hg_osinfo_lookup (o->os);

      if (os != NULL)
        hg_vm_spec_apply_os (spec, os);
      else
        g_object_set (spec, "os-id", o->os, NULL);
    }

  /* explicit choices win over the OS's recommendations */
  if (o->arch != NULL)
    g_object_set (spec, "arch", o->arch, NULL);
  if (o->accel != NULL)
    g_object_set (spec, "accel", accel, NULL);
  g_object_set (spec, "machine", o->machine, "cpu-model", o->cpu, NULL);
  if (o->memory != NULL)
    g_object_set (spec, "memory-mib", (guint) g_ascii_strtoull (o->memory, NULL, 10), NULL);
  if (o->cpus != NULL)
    g_object_set (spec, "cpus", (guint) g_ascii_strtoull (o->cpus, NULL, 10), NULL);
  /* a disk: as asked; an ISO install gets one of the OS's size */
  if (o->disk_size != NULL)
    g_object_set (spec, "new-disk", disk_bytes > 0, NULL);
  else
    g_object_set (spec, "new-disk", iso != NULL && image == NULL && kernel == NULL, NULL);
  if (disk_bytes > 0)
    g_object_set (spec, "disk-size", disk_bytes, NULL);
  if (o->disk_bus != NULL)
    g_object_set (spec, "disk-bus", o->disk_bus, NULL);
  if (image != NULL && source != HG_INSTALL_SOURCE_EXISTING_DISK)
    g_object_set (spec, "new-disk", FALSE, NULL);
  g_object_set (spec, "net-mode", net, NULL);
  if (o->switch_name != NULL)
    g_object_set (spec, "switch-name", o->switch_name, NULL);
  if (o->tap != NULL)
    g_object_set (spec, "tap", o->tap, NULL);
  if (o->mac != NULL)
    g_object_set (spec, "mac", o->mac, NULL);
  if (o->nic_model != NULL)
    g_object_set (spec, "nic-model", o->nic_model, NULL);
  for (guint i = 0; o->forwards != NULL && o->forwards[i] != NULL; i++)
    if (!hg_vm_spec_add_port_forward (spec, o->forwards[i], &error))
      {
        hg_cli_error ("create", "--forward: %s", error->message);
        return FALSE;
      }
  if (o->console != NULL)
    g_object_set (spec, "console", console, NULL);
  g_object_set (spec, "keymap", o->keymap, NULL);
  if (o->firmware != NULL)
    g_object_set (spec, "firmware", firmware, NULL);
  if (o->tpm)
    g_object_set (spec, "tpm", TRUE, NULL);
  if (o->boot != NULL)
    g_object_set (spec, "boot-mode", boot, NULL);
  /* what libosinfo advises for the ISO's OS, on the arch chosen, unless
   * --firmware chose */
  if (o->firmware == NULL)
    hg_cli_guest_apply_firmware (spec, detected);
  o->guest.append = o->append;
  if (!hg_cli_guest_setup (spec, &o->guest, o->label, iso, status))
    return FALSE;
  *status = HG_EXIT_OK;
  return TRUE;
}

typedef struct {
  GMainLoop    *loop;
  HgVmConfig   *config;
  GError       *error;
  gboolean      tty;
  gboolean      drawn;
} CreateRun;

static void
created (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  CreateRun *run = user_data;

  run->config = hg_vm_spec_create_finish (HG_VM_SPEC (source), result, &run->error);
  g_main_loop_quit (run->loop);
}

static void
progress (HgVmSpec   *spec,
          double      fraction,
          const char *what,
          gpointer    user_data)
{
  CreateRun *run = user_data;

  if (!run->tty)
    return;
  if (fraction >= 0)
    g_printerr ("\r\033[K%s %3d%%", what != NULL ? what : "", (int) (fraction * 100.0 + 0.5));
  else
    g_printerr ("\r\033[K%s", what != NULL ? what : "");
  run->drawn = TRUE;
}

static gboolean
interrupted (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

static int
create_vm (HgCliContext  *ctx,
           CreateOptions *o)
{
  g_autoptr(HgVmSpec) spec = NULL;
  g_autoptr(HgHostCaps) caps = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_auto(GStrv) bases = NULL;
  CreateRun run = { 0 };
  guint sigint, sigterm, sighup;
  gboolean bases_given = FALSE;
  int status;

  bases = hg_cli_effective_bases (ctx, o->local_bases, &bases_given);
  caps = hg_host_caps_probe ();
  spec = hg_vm_spec_new ((const char * const *) bases, caps);
  if (!apply_options (spec, o, &status))
    return status;

  /* every value checked before anything is written */
  {
    g_autoptr(GError) error = NULL;

    g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();

    if (hg_vm_spec_needs_qemu_img (spec) && qemu_img == NULL)
      {
        hg_cli_error ("create", _("qemu-img is not installed (needed for %s)"),
                      o->disk != NULL ? "--disk-image" : "--disk-size");
        return HG_EXIT_MISSING;
      }
    if (!hg_vm_spec_validate (spec, &error))
      return spec_fail (error, o, bases_given);
  }

  run.loop = loop;
  run.tty = isatty (STDERR_FILENO);
  sigint = g_unix_signal_add (SIGINT, interrupted, cancellable);
  sigterm = g_unix_signal_add (SIGTERM, interrupted, cancellable);
  sighup = g_unix_signal_add (SIGHUP, interrupted, cancellable);
  hg_vm_spec_create_async (spec, progress, &run, NULL, cancellable, created, &run);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (sighup);
  if (run.drawn)
    g_printerr ("\r\033[K");
  if (run.config == NULL)
    {
      hg_cli_guest_abandon (&o->guest);
      status = spec_fail (run.error, o, bases_given);
      g_clear_error (&run.error);
      return status;
    }
  g_print (_("Created VM '%s': %s\n"), o->label, run.config->path);
  hg_cli_guest_created (&o->guest, o->label);
  hg_vm_config_unref (run.config);
  return HG_EXIT_OK;
}

int
hg_cli_create (HgCliContext *ctx,
            int           argc,
            char        **argv)
{
  CreateOptions o = { 0 };
  GOptionEntry entries[] = {
    { "label", 0, 0, G_OPTION_ARG_STRING, &o.label, N_("The VM's name (required): A–Z a–z 0–9 . _ -"), N_("NAME") },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &o.dir, N_("Base directory to create it in (default: the first base)"), N_("DIR") },
    { "folder", 0, 0, G_OPTION_ARG_FILENAME, &o.folder, N_("Sub-folder of the base directory"), N_("PATH") },
    { "base", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.local_bases, N_("A base directory of the library (repeatable)"), N_("DIR") },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &o.arch, N_("Guest architecture (default: the host's, or the ISO's)"), N_("ARCH") },
    { "machine", 0, 0, G_OPTION_ARG_STRING, &o.machine, N_("QEMU machine type (default: the architecture's)"), N_("TYPE") },
    { "cpu", 0, 0, G_OPTION_ARG_STRING, &o.cpu, N_("QEMU CPU model (default: the architecture's)"), N_("MODEL") },
    { "memory", 0, 0, G_OPTION_ARG_STRING, &o.memory, N_("Memory in MiB (default: the OS's, else 1024; 512 for kernel boot)"), N_("MIB") },
    { "cpus", 0, 0, G_OPTION_ARG_STRING, &o.cpus, N_("Number of CPUs (default 1, or the OS's)"), N_("N") },
    { "accel", 0, 0, G_OPTION_ARG_STRING, &o.accel, N_("auto, kvm or tcg (default auto)"), N_("ACCEL") },
    { "disk-size", 0, 0, G_OPTION_ARG_STRING, &o.disk_size, N_("Create a qcow2 disk of this size (8G, 512M; 0 = none; with --iso default: the OS's)"), N_("SIZE") },
    { "disk-bus", 0, 0, G_OPTION_ARG_STRING, &o.disk_bus, N_("Disk interface: virtio, ide, scsi, sd"), N_("BUS") },
    { "disk-image", 0, 0, G_OPTION_ARG_FILENAME, &o.disk, N_("Use an existing disk image (inspected first)"), N_("IMAGE") },
    { "disk", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &o.disk, N_("Same as --disk-image"), N_("IMAGE") },
    { "image-mode", 0, 0, G_OPTION_ARG_STRING, &o.image_mode, N_("in-place (default), copy, or convert (to a standalone qcow2)"), N_("MODE") },
    { "iso", 0, 0, G_OPTION_ARG_FILENAME, &o.iso, N_("CD-ROM image (install medium); its OS is detected"), N_("FILE") },
    { "no-detect", 0, 0, G_OPTION_ARG_NONE, &o.no_detect, N_("Do not detect the OS of --iso"), NULL },
    { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &o.kernel, N_("Kernel for kernel boot"), N_("FILE") },
    { "initrd", 0, 0, G_OPTION_ARG_FILENAME, &o.initrd, N_("Initial ramdisk for kernel boot"), N_("FILE") },
    { "append", 0, 0, G_OPTION_ARG_STRING, &o.append, N_("Kernel command line"), N_("TEXT") },
    { "copy-in", 0, 0, G_OPTION_ARG_NONE, &o.copy_in, N_("Copy --kernel, --initrd and --iso into the VM directory"), NULL },
    { "boot", 0, 0, G_OPTION_ARG_STRING, &o.boot, N_("Default boot mode: disk, cdrom, pxe, kernel"), N_("MODE") },
    { "net", 0, 0, G_OPTION_ARG_STRING, &o.net, N_("Network: user, vde, tap or none (default user)"), N_("MODE") },
    { "switch", 0, 0, G_OPTION_ARG_STRING, &o.switch_name, N_("VDE switch name (implies --net vde)"), N_("NAME") },
    { "tap", 0, 0, G_OPTION_ARG_STRING, &o.tap, N_("TAP interface (implies --net tap)"), N_("IFACE") },
    { "mac", 0, 0, G_OPTION_ARG_STRING, &o.mac, N_("MAC address (default: generated 52:54:00:…, unique in the library)"), N_("MAC") },
    { "nic-model", 0, 0, G_OPTION_ARG_STRING, &o.nic_model, N_("NIC model: virtio-net-pci, e1000, rtl8139 …"), N_("MODEL") },
    { "forward", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.forwards, N_("User-mode port forward [tcp:|udp:][ADDRESS:]HOST:GUEST, listening on 127.0.0.1 unless ADDRESS is given (repeatable)"), N_("HOST:GUEST") },
    { "console", 0, 0, G_OPTION_ARG_STRING, &o.console, N_("vnc, sdl, serial or none (default vnc)"), N_("TYPE") },
    { "keymap", 0, 0, G_OPTION_ARG_STRING, &o.keymap, N_("VNC keymap, e.g. de"), N_("MAP") },
    { "firmware", 0, 0, G_OPTION_ARG_STRING, &o.firmware, N_("bios, uefi or uefi-secure (UEFI with Secure Boot, Microsoft's keys enrolled; default bios)"), N_("FIRMWARE") },
    { "tpm", 0, 0, G_OPTION_ARG_NONE, &o.tpm, N_("Give the VM a TPM 2.0 (swtpm)"), NULL },
    { "os", 0, 0, G_OPTION_ARG_STRING, &o.os, N_("Guest OS id (libosinfo short id, e.g. debian12)"), N_("ID") },
    { "express", 0, 0, G_OPTION_ARG_NONE, &o.guest.express, N_("Unattended install from --iso with libosinfo's install script (needs --user and --password-file)"), NULL },
    { "cloud-image", 0, 0, G_OPTION_ARG_FILENAME, &o.guest.cloud_image, N_("Make the VM from a cloud image, with a cloud-init seed (needs --user and --ssh-key or --password-file)"), N_("IMAGE") },
    { "overlay", 0, 0, G_OPTION_ARG_NONE, &o.guest.overlay, N_("--cloud-image: the disk is a qcow2 overlay of the image (default)"), NULL },
    { "copy", 0, 0, G_OPTION_ARG_NONE, &o.guest.copy, N_("--cloud-image: the disk is a copy of the image"), NULL },
    { "user", 0, 0, G_OPTION_ARG_STRING, &o.guest.user, N_("--express, --cloud-image: the user to create"), N_("NAME") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &o.guest.password_file, N_("The user's password: the first line of FILE (never stored in the VM)"), N_("FILE") },
    { "ssh-key", 0, 0, G_OPTION_ARG_FILENAME, &o.guest.ssh_key, N_("--cloud-image: the user's SSH public keys"), N_("FILE") },
    { "hostname", 0, 0, G_OPTION_ARG_STRING, &o.guest.hostname, N_("The guest's host name (default: from --label)"), N_("NAME") },
    { "timezone", 0, 0, G_OPTION_ARG_STRING, &o.guest.timezone, N_("--express: time zone (default: this system's)"), N_("TZ") },
    { "keyboard", 0, 0, G_OPTION_ARG_STRING, &o.guest.keyboard, N_("--express: keyboard layout (default: from the locale)"), N_("LAYOUT") },
    { "language", 0, 0, G_OPTION_ARG_STRING, &o.guest.language, N_("--express: language, e.g. de_DE (default: the locale's)"), N_("LANG") },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &o.guest.profile, N_("--express: desktop (default) or jeos"), N_("PROFILE") },
    { "product-key", 0, 0, G_OPTION_ARG_STRING, &o.guest.product_key, N_("--express: Windows product key (default: left for you)"), N_("KEY") },
    { NULL }
  };
  int status;

  if (!hg_cli_parse_options ("create", "", _("Creates a VM directory <label>/<label>.hangar in a base "
                                      "directory, atomically: a failure or Ctrl-C leaves nothing "
                                      "behind."),
                      entries, &argc, &argv))
    {
      create_options_clear (&o);
      return HG_EXIT_USAGE;
    }
  if (argc > 1)
    {
      hg_cli_error ("create", _("unexpected argument '%s' (the name is given with --label)"), argv[1]);
      create_options_clear (&o);
      return HG_EXIT_USAGE;
    }
  status = create_vm (ctx, &o);
  create_options_clear (&o);
  return status;
}

/* ---- import-ctys ------------------------------------------------------------ */

int
hg_cli_import_ctys (HgCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  g_autofree char *label = NULL;
  g_autofree char *target = NULL;
  g_autofree char *folder = NULL;
  g_auto(GStrv) local_bases = NULL;
  gboolean beside = FALSE;
  GOptionEntry entries[] = {
    { "base", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &local_bases,
      N_("Base directory to write the VM into (default: the first base of the library)"), N_("DIR") },
    { "folder", 0, 0, G_OPTION_ARG_FILENAME, &folder, N_("Sub-folder of the base directory"), N_("PATH") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("Name of the new VM (default: the ctys LABEL)"), N_("NAME") },
    { "in-place", 0, 0, G_OPTION_ARG_NONE, &beside, N_("Write the VM beside the .ctys file"), NULL },
    { NULL }
  };
  g_autoptr(HgCtysImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) bases = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *report = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *existing = NULL;
  const char *base;

  if (!hg_cli_parse_options ("import-ctys", _("FILE"),
                      _("Imports a ctys .ctys VM configuration (never executed) as a Hangar VM "
                        "and reports what was taken over and what was not."),
                      entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc != 2)
    {
      hg_cli_error ("import-ctys", argc < 2 ? _("which .ctys file?") : _("takes one file"));
      return HG_EXIT_USAGE;
    }
  if (folder != NULL && !folder_is_valid (folder))
    {
      g_autofree char *shown = g_filename_display_name (folder);

      hg_cli_error ("import-ctys", _("--folder: '%s' must be a relative path without “..” or "
                                     "hidden parts"), shown);
      return HG_EXIT_USAGE;
    }
  abs = g_canonicalize_filename (argv[1], NULL);
  if (!g_file_test (abs, G_FILE_TEST_EXISTS))
    {
      hg_cli_error ("import-ctys", _("%s: no such file"), abs);
      return HG_EXIT_NOT_FOUND;
    }
  import = hg_ctys_parse_file (abs, &error);
  if (import == NULL)
    return hg_cli_fail ("import-ctys", error);
  if (label != NULL && !hg_ctys_import_set_label (import, label, &error))
    {
      hg_cli_error ("import-ctys", "--label: %s", error->message);
      return HG_EXIT_USAGE;
    }

  /* the local --base is where it goes; the global ones are the library */
  if (local_bases != NULL && local_bases[0] != NULL)
    base = local_bases[0];
  else
    {
      bases = hg_cli_effective_bases (ctx, NULL, NULL);
      base = bases[0];
    }
  if (!beside)
    {
      target = folder != NULL && folder[0] != '\0' ? g_build_filename (base, folder, NULL)
                                                   : g_strdup (base);
      if (hg_ctys_import_get_label (import) != NULL)
        existing = hg_library_find_label (base, hg_ctys_import_get_label (import));
      if (existing != NULL)
        {
          hg_cli_error ("import-ctys", _("a VM named '%s' exists already: %s (choose another "
                                         "name with --label)"),
                        hg_ctys_import_get_label (import), existing);
          return HG_EXIT_USAGE;
        }
      if (g_mkdir_with_parents (target, 0755) != 0)
        {
          int errsv = errno;
          g_autofree char *shown = g_filename_display_name (target);
          /* the flag that named the folder, when one did */
          const char *flag = folder != NULL && folder[0] != '\0' ? "--folder"
                             : local_bases != NULL && local_bases[0] != NULL ? "--base" : NULL;

          if (flag != NULL)
            hg_cli_error ("import-ctys", _("%s: cannot create folder %s: %s"), flag, shown,
                          g_strerror (errsv));
          else
            hg_cli_error ("import-ctys", _("cannot create folder %s: %s"), shown,
                          g_strerror (errsv));
          return HG_EXIT_FAILURE;
        }
    }
  {
    /* a UUID in the file that a VM of the library (or of the target base)
     * has already -- the same file imported twice -- is renewed */
    g_autoptr(HgVmConfig) mapped = hg_ctys_import_to_config (import, NULL);
    g_auto(GStrv) library = hg_cli_effective_bases (ctx, NULL, NULL);
    g_autoptr(GStrvBuilder) look = g_strv_builder_new ();
    g_auto(GStrv) look_bases = NULL;
    g_autofree char *taken_by = NULL;

    if (target != NULL)
      g_strv_builder_add (look, target);
    g_strv_builder_addv (look, (const char **) library);
    look_bases = g_strv_builder_end (look);
    if (mapped != NULL && mapped->uuid != NULL)
      taken_by = hg_library_find_same_uuid ((const char * const *) look_bases, mapped);
    if (taken_by != NULL)
      hg_ctys_import_renew_uuid (import, taken_by);
  }
  if (!hg_ctys_import_write (import, target, &config_path, &error))
    return hg_cli_fail ("import-ctys", error);

  report = hg_ctys_import_format_report (import);
  if (report != NULL)
    fputs (report, stdout);
  if (report != NULL && report[0] != '\0' && !g_str_has_suffix (report, "\n"))
    fputc ('\n', stdout);
  g_print (_("Created VM '%s': %s\n"), hg_ctys_import_get_label (import), config_path);
  return HG_EXIT_OK;
}
