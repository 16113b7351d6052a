/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hangarctl-create-guest.h"
#include "hg-library.h"
#include "hg-vm.h"

/*
 * The commands on a VM's QEMU: start stop kill pause resume reset
 * media screenshot send-key monitor console.
 *
 * Each one finds the VM (hg_cli_lookup_vm), makes an HgVm that attaches over
 * the second QMP socket (hg_vm_set_control_client: a window holding the
 * first one does not block hangarctl), refreshes its state from the runtime
 * directory and runs one of the HgVm async actions to completion on the
 * default main context.  The engine is the one the window uses.
 */

/* ---- errors -------------------------------------------------------------- */

static int
vm_exit_code (const GError *error)
{
  if (error->domain == HG_PROCESS_ERROR)
    switch ((HgProcessError) error->code)
      {
      case HG_PROCESS_ERROR_ALREADY_RUNNING:
      case HG_PROCESS_ERROR_BUSY:
      case HG_PROCESS_ERROR_NOT_RUNNING:
      case HG_PROCESS_ERROR_IDENTITY:
        return HG_EXIT_STATE;
      case HG_PROCESS_ERROR_SPAWN:
        return HG_EXIT_MISSING;
      case HG_PROCESS_ERROR_INVALID_ARGUMENT:
        return HG_EXIT_USAGE;
      default:
        return HG_EXIT_FAILURE;
      }
  if (error->domain == HG_QMP_ERROR)
    switch ((HgQmpError) error->code)
      {
      case HG_QMP_ERROR_INVALID_ARGUMENT:
        return HG_EXIT_USAGE;
      case HG_QMP_ERROR_DEVICE_NOT_FOUND:
      case HG_QMP_ERROR_SNAPSHOT_NOT_FOUND:
        return HG_EXIT_NOT_FOUND;
      case HG_QMP_ERROR_SNAPSHOT_EXISTS:
        return HG_EXIT_STATE;
      default:
        return HG_EXIT_FAILURE;
      }
  return -1;
}

static int
fail (const char   *command,
      const GError *error)
{
  int code = vm_exit_code (error);

  if (code < 0)
    return hg_cli_fail (command, error);
  hg_cli_error (command, "%s", error->message);
  return code;
}

int
hg_cli_vm_fail (const char   *command,
                const GError *error)
{
  return fail (command, error);
}

/* ---- finding the VM ------------------------------------------------------ */

GOptionEntry *
hg_cli_base_entry (char ***local_bases)
{
  static GOptionEntry entry[2];

  entry[0] = (GOptionEntry) HG_CLI_BASE_OPTION (local_bases);
  entry[1] = (GOptionEntry) { NULL };
  return entry;
}

/* The VM named on the command line with its state looked at; NULL with
 * the error printed and *status set. */
HgVm *
hg_cli_open_vm (HgCliContext  *ctx,
                const char    *command,
                char         **local_bases,
                const char    *name,
                int           *status)
{
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  HgVm *vm;

  config = hg_cli_lookup_vm (ctx, command, local_bases, name, status);
  if (config == NULL)
    return NULL;
  vm = hg_vm_new_for_config (config);
  hg_vm_set_control_client (vm, TRUE);
  hg_vm_refresh_state (vm, &error);
  if (error != NULL && !g_error_matches (error, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY))
    {
      /* something is there that is not this VM's QEMU, or does not answer */
      *status = fail (command, error);
      g_object_unref (vm);
      return NULL;
    }
  return vm;
}

/* The VM must be running (or paused) for the command. */
static HgVm *
open_running_vm (HgCliContext  *ctx,
                 const char    *command,
                 char         **local_bases,
                 const char    *name,
                 int           *status)
{
  HgVm *vm = hg_cli_open_vm (ctx, command, local_bases, name, status);

  if (vm == NULL)
    return NULL;
  if (!hg_vm_is_active (vm))
    {
      hg_cli_error (command, _("VM '%s' is not running"), hg_vm_get_label (vm));
      *status = HG_EXIT_STATE;
      g_object_unref (vm);
      return NULL;
    }
  if (hg_vm_get_qmp_client (vm) == NULL)
    {
      /* not responding: QEMU stopped or hung, or both QMP sockets held by
       * other clients ("kill" and "stop" still end it) */
      hg_cli_error (command, _("VM '%s' (pid %d) is running but %s; “hangarctl kill” or "
                               "“hangarctl stop” still end it"),
                    hg_vm_get_label (vm), (int) hg_vm_get_pid (vm),
                    hg_vm_get_state_reason (vm) != NULL ? hg_vm_get_state_reason (vm)
                                                        : _("not responding"));
      *status = HG_EXIT_STATE;
      g_object_unref (vm);
      return NULL;
    }
  return vm;
}

struct _HgVm *
hg_cli_open_running_vm (HgCliContext  *ctx,
                        const char    *command,
                        char         **local_bases,
                        const char    *name,
                        int           *status)
{
  return open_running_vm (ctx, command, local_bases, name, status);
}

gboolean
hg_cli_check_one_vm (const char *command,
                     int         argc,
                     int         wanted)
{
  if (argc < 2)
    {
      hg_cli_error (command, _("which VM? name it by label or directory"));
      return FALSE;
    }
  if (wanted > 0 && argc != wanted)
    {
      hg_cli_error (command, argc < wanted ? _("missing argument; see “hangarctl %s --help”")
                                           : _("too many arguments; see “hangarctl %s --help”"),
                    command);
      return FALSE;
    }
  return TRUE;
}

/* ---- start / stop / kill ------------------------------------------------- */

static int
cli_start (HgCliContext *ctx,
           int           argc,
           char        **argv)
{
  g_autofree char *boot = NULL;
  gboolean paused = FALSE, wait_install = FALSE;
  gboolean throwaway = FALSE;
  g_auto(GStrv) local_bases = NULL;
  GOptionEntry entries[] = {
    { "wait-install", 0, 0, G_OPTION_ARG_NONE, &wait_install,
      N_("In an express install: stay until the installer is done, then let the VM start from "
         "its disk"), NULL },
    { "boot", 0, 0, G_OPTION_ARG_STRING, &boot,
      N_("Boot mode: disk, cdrom, pxe, kernel, floppy or usb (default: the VM's)"), N_("MODE") },
    { "paused", 0, 0, G_OPTION_ARG_NONE, &paused,
      N_("Leave the CPUs stopped until “hangarctl resume”"), NULL },
    { "throwaway", 0, 0, G_OPTION_ARG_NONE, &throwaway,
      N_("Start without saving changes: the disks' writes go to temporary overlays, "
         "discarded when the VM stops"), NULL },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HgVmStartFlags flags = HG_VM_START_NONE;
  HgBootMode mode;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("start", _("VM"), _("Starts a VM.  QEMU runs on after hangarctl "
                                                 "exits; every command finds it again."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("start", argc, 2))
    return HG_EXIT_USAGE;
  if (boot != NULL && !hg_cli_parse_boot_mode ("start", boot, &mode))
    return HG_EXIT_USAGE;
  vm = hg_cli_open_vm (ctx, "start", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  if (hg_vm_is_active (vm))
    {
      hg_cli_error ("start", _("VM '%s' is already running (pid %d)"), hg_vm_get_label (vm),
                    (int) hg_vm_get_pid (vm));
      return HG_EXIT_STATE;
    }
  if (boot == NULL)
    mode = hg_vm_get_config (vm)->boot_mode;

  if (paused)
    flags |= HG_VM_START_PAUSED;
  if (throwaway)
    flags |= HG_VM_START_THROWAWAY;
  hg_vm_start_async (vm, mode, flags, NULL, hg_cli_store_result, &result);
  if (!hg_vm_start_finish (vm, hg_cli_wait_result (&result), &error))
    return fail ("start", error);

  g_print (paused ? _("VM '%s' started paused (pid %d, boot %s)\n")
                  : _("VM '%s' started (pid %d, boot %s)\n"),
           hg_vm_get_label (vm), (int) hg_vm_get_pid (vm), hg_boot_mode_to_string (mode));
  if (throwaway)
    g_print (_("Changes will be discarded when VM '%s' stops\n"), hg_vm_get_label (vm));
  if (wait_install)
    status = hg_cli_wait_install (vm);
  /* QEMU goes on; we only let go of its QMP socket */
  hg_vm_detach (vm);
  return status;
}

static int
cli_stop (HgCliContext *ctx,
          int           argc,
          char        **argv)
{
  int timeout_s = HG_VM_DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000;
  g_auto(GStrv) local_bases = NULL;
  GOptionEntry entries[] = {
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
      N_("Seconds the guest gets to power off before QEMU is told to quit (default 60); a QEMU "
         "that does not answer on QMP gets SIGTERM, and SIGKILL after S seconds"), N_("S") },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean forced = FALSE;
  HgVmStopHow how;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("stop", _("VM"), _("Shuts a VM down: ACPI power-down, then quit "
                                                "after --timeout, then kill."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("stop", argc, 2))
    return HG_EXIT_USAGE;
  if (timeout_s < 0 || timeout_s > 24 * 3600)
    {
      hg_cli_error ("stop", _("--timeout: %d is not a number of seconds between 0 and 86400"),
                    timeout_s);
      return HG_EXIT_USAGE;
    }
  vm = hg_cli_open_vm (ctx, "stop", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  if (!hg_vm_is_active (vm))
    {
      hg_cli_error ("stop", _("VM '%s' is not running"), hg_vm_get_label (vm));
      return HG_EXIT_STATE;
    }
  hg_vm_shutdown_async (vm, (guint) timeout_s * 1000, NULL, hg_cli_store_result, &result);
  hg_cli_wait_result (&result);
  how = hg_vm_shutdown_get_how (vm, result);
  if (!hg_vm_shutdown_finish (vm, result, &forced, &error))
    return fail ("stop", error);
  switch (how)
    {
    case HG_VM_STOP_SIGTERM:
      g_print (_("VM '%s' did not answer on QMP and was ended with SIGTERM\n"), hg_vm_get_label (vm));
      break;
    case HG_VM_STOP_SIGKILL:
      g_print (_("VM '%s' did not stop within %d s and was killed (SIGKILL)\n"),
               hg_vm_get_label (vm), timeout_s);
      break;
    case HG_VM_STOP_QUIT:
      g_print (_("VM '%s' did not power off in time and was forced off\n"), hg_vm_get_label (vm));
      break;
    case HG_VM_STOP_POWERED_OFF:
    default:
      g_print (forced ? _("VM '%s' did not power off in time and was forced off\n")
                      : _("VM '%s' powered off\n"),
               hg_vm_get_label (vm));
      break;
    }
  return HG_EXIT_OK;
}

typedef void (*SimpleAction) (HgVm *, GCancellable *, GAsyncReadyCallback, gpointer);

static int
simple_action (HgCliContext *ctx,
               int           argc,
               char        **argv,
               const char   *command,
               const char   *summary,
               SimpleAction  action,
               char        **out_label)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options (command, _("VM"), summary, hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm (command, argc, 2))
    return HG_EXIT_USAGE;
  if (action == hg_vm_kill_async)
    {
      /* no QMP at all: the pidfile's process, proven this VM's QEMU
       * through a pidfd, gets SIGKILL (a stopped or hung QEMU too) */
      g_autoptr(HgVmConfig) config = hg_cli_lookup_vm (ctx, command, local_bases, argv[1], &status);

      if (config == NULL)
        return status;
      vm = hg_vm_new_for_config (config);
      hg_vm_set_control_client (vm, TRUE);
    }
  else
    vm = open_running_vm (ctx, command, local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  action (vm, NULL, hg_cli_store_result, &result);
  if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
    return fail (command, error);
  *out_label = g_strdup (hg_vm_get_label (vm));
  if (hg_vm_is_active (vm))
    hg_vm_detach (vm);
  return HG_EXIT_OK;
}

/* the actions that take just the VM: argv[0] names the row */
static const struct {
  const char   *name;
  const char   *summary;
  SimpleAction  action;
  const char   *done;      /* "VM '%s' …", printed with the label */
} simple_actions[] = {
  { "kill", N_("Forces a VM off at once (the guest gets no chance to shut down)."),
    hg_vm_kill_async, N_("VM '%s' killed") },
  { "pause", N_("Stops a VM's CPUs."), hg_vm_pause_async, N_("VM '%s' paused") },
  { "resume", N_("Lets a paused VM's CPUs run again."), hg_vm_resume_async,
    N_("VM '%s' resumed") },
  { "reset", N_("Hard-resets a VM's machine."), hg_vm_reset_async, N_("VM '%s' reset") },
};

static int
cli_simple (HgCliContext *ctx,
            int           argc,
            char        **argv)
{
  for (guint i = 0; i < G_N_ELEMENTS (simple_actions); i++)
    if (g_str_equal (argv[0], simple_actions[i].name))
      {
        g_autofree char *label = NULL;
        int status = simple_action (ctx, argc, argv, simple_actions[i].name,
                                    _(simple_actions[i].summary), simple_actions[i].action,
                                    &label);

        if (status == HG_EXIT_OK)
          {
            /* one of the literals above (msgfmt --check keeps its %s) */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            g_print (_(simple_actions[i].done), label);
#pragma GCC diagnostic pop
            g_print ("\n");
          }
        return status;
      }
  g_assert_not_reached ();
}

/* ---- media --------------------------------------------------------------- */

static void
medium_json (JsonBuilder *b,
             gpointer     item,
             gpointer     user_data)
{
  HgQmpBlockInfo *info = item;

  hg_cli_json_add_string (b, "device", info->device);
  hg_cli_json_add_string (b, "qdev", info->qdev);
  hg_cli_json_add_bool (b, "removable", info->removable);
  hg_cli_json_add_bool (b, "tray-open", info->tray_open);
  hg_cli_json_add_bool (b, "locked", info->locked);
  hg_cli_json_add_string (b, "file", info->file);
  hg_cli_json_add_string (b, "format", info->format);
  hg_cli_json_add_bool (b, "read-only", info->read_only);
}

static void
print_media (GPtrArray *list)
{
  g_print ("%-16s %-9s %-6s %-7s %s\n", _("DEVICE"), _("REMOVABLE"), _("TRAY"), _("FORMAT"),
           _("FILE"));
  for (guint i = 0; i < list->len; i++)
    {
      HgQmpBlockInfo *info = g_ptr_array_index (list, i);
      const char *device = info->device != NULL && info->device[0] != '\0' ? info->device
                                                                            : info->qdev;

      g_print ("%-16s %-9s %-6s %-7s %s\n", device ? device : "-",
               info->removable ? _("yes") : _("no"),
               info->removable ? (info->tray_open ? _("open") : _("closed")) : "-",
               info->format ? info->format : "-",
               info->has_media && info->file ? info->file : _("(empty)"));
    }
}

static int
cli_media (HgCliContext *ctx,
           int           argc,
           char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autofree char *format = NULL;
  gboolean force = FALSE;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("Format of the medium to insert (default raw)"), N_("FMT") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Eject even when the guest has locked the tray"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the list as JSON"), NULL },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file = NULL;
  const char *verb, *device = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("media", _("VM list | VM eject [DEVICE] | VM change [DEVICE] FILE"),
                             _("Removable media of a running VM: list the drives, eject, insert "
                               "another image (the manual's DVD swap)."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("media", argc, 0))
    return HG_EXIT_USAGE;
  if (argc < 3)
    {
      hg_cli_error ("media", _("what to do? list, eject or change"));
      return HG_EXIT_USAGE;
    }
  verb = argv[2];
  if (g_str_equal (verb, "list"))
    {
      if (argc != 3)
        {
          hg_cli_error ("media", _("list takes no further arguments"));
          return HG_EXIT_USAGE;
        }
    }
  else if (g_str_equal (verb, "eject"))
    {
      if (argc > 4)
        {
          hg_cli_error ("media", _("eject takes at most one DEVICE"));
          return HG_EXIT_USAGE;
        }
      device = argc == 4 ? argv[3] : NULL;
    }
  else if (g_str_equal (verb, "change"))
    {
      if (argc < 4 || argc > 5)
        {
          hg_cli_error ("media", _("change needs a FILE (and optionally a DEVICE before it)"));
          return HG_EXIT_USAGE;
        }
      device = argc == 5 ? argv[3] : NULL;
      file = g_canonicalize_filename (argv[argc - 1], NULL);
      if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
        {
          hg_cli_error ("media", _("%s: no such file"), argv[argc - 1]);
          return HG_EXIT_NOT_FOUND;
        }
      if (g_access (file, R_OK) != 0)
        {
          hg_cli_error ("media", _("%s: not readable: %s"), argv[argc - 1], g_strerror (errno));
          return HG_EXIT_FAILURE;
        }
    }
  else
    {
      hg_cli_error ("media", _("unknown action '%s' (list, eject or change)"), verb);
      return HG_EXIT_USAGE;
    }
  /* each flag is checked before the VM is looked at, and named */
  if (format != NULL && !g_str_equal (verb, "change"))
    {
      hg_cli_error ("media", _("--format is for change"));
      return HG_EXIT_USAGE;
    }
  if (format != NULL && !hg_disk_format_is_known (format))
    {
      hg_cli_error ("media", _("--format: unknown image format '%s' (raw, qcow2, …)"), format);
      return HG_EXIT_USAGE;
    }
  if (force && !g_str_equal (verb, "eject"))
    {
      hg_cli_error ("media", _("--force is for eject"));
      return HG_EXIT_USAGE;
    }

  vm = open_running_vm (ctx, "media", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  if (g_str_equal (verb, "list"))
    {
      g_autoptr(GPtrArray) list = NULL;

      hg_vm_media_list_async (vm, NULL, hg_cli_store_result, &result);
      list = hg_vm_media_list_finish (vm, hg_cli_wait_result (&result), &error);
      if (list == NULL)
        return fail ("media", error);
      if (json || ctx->json)
        hg_cli_print_json_array (list, medium_json, NULL);
      else
        print_media (list);
    }
  else if (g_str_equal (verb, "eject"))
    {
      hg_vm_media_eject_async (vm, device, force, NULL, hg_cli_store_result, &result);
      if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
        return fail ("media", error);
      g_print (_("Medium ejected from VM '%s'\n"), hg_vm_get_label (vm));
    }
  else
    {
      hg_vm_media_change_async (vm, device, file, format, NULL, hg_cli_store_result, &result);
      if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
        return fail ("media", error);
      g_print (_("VM '%s' now has %s inserted\n"), hg_vm_get_label (vm), file);
    }
  hg_vm_detach (vm);
  return HG_EXIT_OK;
}

/* ---- screenshot, send-key, monitor --------------------------------------- */

/* screenshot VM -: the PNG on stdout (hangarctl --connect streams it back
 * through ssh); made in the VM's private runtime dir, removed after */
static int
screenshot_to_stdout (HgCliContext *ctx,
                      char        **local_bases,
                      const char   *name)
{
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *file = NULL;
  g_autofree char *png = NULL;
  gsize len = 0;
  int status = HG_EXIT_OK;

  vm = open_running_vm (ctx, "screenshot", local_bases, name, &status);
  if (vm == NULL)
    return status;
  file = g_strdup_printf ("screenshot-%08x.png", g_random_int ());
  path = g_build_filename (hg_vm_get_runtime_paths (vm)->dir, file, NULL);
  hg_vm_screenshot_async (vm, path, NULL, hg_cli_store_result, &result);
  if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
    {
      g_unlink (path);
      return fail ("screenshot", error);
    }
  hg_vm_detach (vm);
  if (!g_file_get_contents (path, &png, &len, &error))
    {
      g_unlink (path);
      hg_cli_error ("screenshot", "%s", error->message);
      return HG_EXIT_FAILURE;
    }
  g_unlink (path);
  if (fwrite (png, 1, len, stdout) != len || fflush (stdout) != 0)
    {
      hg_cli_error ("screenshot", _("cannot write the PNG to stdout: %s"), g_strerror (errno));
      return HG_EXIT_FAILURE;
    }
  return HG_EXIT_OK;
}

static int
cli_screenshot (HgCliContext *ctx,
                int           argc,
                char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *parent = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("screenshot", _("VM FILE.png"),
                             _("Saves a running VM's display as PNG (FILE “-”: to stdout)."),
                             hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("screenshot", argc, 3))
    return HG_EXIT_USAGE;
  if (g_str_equal (argv[2], "-"))
    return screenshot_to_stdout (ctx, local_bases, argv[1]);
  path = g_canonicalize_filename (argv[2], NULL);
  parent = g_path_get_dirname (path);
  if (!g_file_test (parent, G_FILE_TEST_IS_DIR))
    {
      hg_cli_error ("screenshot", _("%s: the folder %s does not exist"), argv[2], parent);
      return HG_EXIT_NOT_FOUND;
    }
  vm = open_running_vm (ctx, "screenshot", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  hg_vm_screenshot_async (vm, path, NULL, hg_cli_store_result, &result);
  if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
    return fail ("screenshot", error);
  g_print (_("Screenshot of VM '%s' saved as %s\n"), hg_vm_get_label (vm), path);
  hg_vm_detach (vm);
  return HG_EXIT_OK;
}

static int
cli_send_key (HgCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVm) vm = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("send-key", _("VM COMBO…"),
                             _("Presses each key combination in turn, e.g. ctrl-alt-del, "
                               "ctrl-alt-f2, shift+a."),
                             hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("send-key", argc, 0))
    return HG_EXIT_USAGE;
  if (argc < 3)
    {
      hg_cli_error ("send-key", _("which keys? e.g. ctrl-alt-del"));
      return HG_EXIT_USAGE;
    }
  /* every combination is checked before anything is pressed */
  for (int i = 2; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) keys = hg_qmp_parse_key_combo (argv[i], &error);

      if (keys == NULL)
        {
          hg_cli_error ("send-key", "%s", error->message);
          return HG_EXIT_USAGE;
        }
    }
  vm = open_running_vm (ctx, "send-key", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  for (int i = 2; i < argc; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      hg_vm_send_keys_async (vm, argv[i], NULL, hg_cli_store_result, &result);
      if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
        return fail ("send-key", error);
    }
  hg_vm_detach (vm);
  return HG_EXIT_OK;
}

static int
cli_monitor (HgCliContext *ctx,
             int           argc,
             char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command_line = NULL;
  g_autofree char *answer = NULL;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("monitor", _("VM 'HMP COMMAND'"),
                             _("Runs one QEMU monitor command (e.g. 'info status') and prints the "
                               "answer."),
                             hg_cli_base_entry (&local_bases), &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("monitor", argc, 0))
    return HG_EXIT_USAGE;
  if (argc < 3)
    {
      hg_cli_error ("monitor", _("which monitor command? e.g. 'info status'"));
      return HG_EXIT_USAGE;
    }
  /* `monitor VM info status` is `monitor VM 'info status'` */
  command_line = g_strjoinv (" ", argv + 2);
  if (strchr (command_line, '\n') != NULL || strchr (command_line, '\r') != NULL)
    {
      hg_cli_error ("monitor", _("one command at a time: the command contains a line break"));
      return HG_EXIT_USAGE;
    }
  vm = open_running_vm (ctx, "monitor", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  hg_vm_monitor_async (vm, command_line, NULL, hg_cli_store_result, &result);
  answer = hg_vm_monitor_finish (vm, hg_cli_wait_result (&result), &error);
  if (answer == NULL)
    return fail ("monitor", error);
  g_print ("%s", answer);
  if (answer[0] != '\0' && !g_str_has_suffix (answer, "\n"))
    g_print ("\n");
  if (hg_vm_is_active (vm))
    hg_vm_detach (vm);
  return HG_EXIT_OK;
}

const HgCliCommand hg_cli_vm_commands[] = {
  { "start", N_("Start a VM (QEMU runs on after hangarctl exits)"), cli_start },
  { "stop", N_("Shut a VM down (ACPI, then forced after --timeout)"), cli_stop },
  { "kill", N_("Force a VM off at once"), cli_simple },
  { "pause", N_("Stop a VM's CPUs"), cli_simple },
  { "resume", N_("Let a paused VM run again"), cli_simple },
  { "reset", N_("Hard-reset a VM"), cli_simple },
  { "media", N_("List, eject or change removable media"), cli_media },
  { "screenshot", N_("Save a VM's display as PNG"), cli_screenshot },
  { "send-key", N_("Press key combinations in a VM (ctrl-alt-del …)"), cli_send_key },
  { "monitor", N_("Run a QEMU monitor (HMP) command and print the answer"), cli_monitor },
  { "console", N_("Attach the terminal to a VM's serial console"), hg_cli_console },
  { NULL }
};
