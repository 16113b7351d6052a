/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-vm-disks.h"
#include "hg-vm.h"

/*
 * hangarctl disk VM list|add|remove|resize|convert|compact
 *
 * The disks of a VM, named as their config groups (disk0 is [disk:0]);
 * the work is hg-vm-disks.h's.  Long work shows a progress bar on a
 * terminal (stderr), plain lines otherwise; Ctrl-C cancels it and leaves
 * the disk as it was.
 */

typedef struct {
  char    *size;
  char    *format;
  char    *bus;
  char    *image;
  gboolean copy;
  gboolean trash;
  gboolean force;
  gboolean compress;
  char   **local_bases;
} DiskOptions;

typedef struct {
  const char   *what;
  gboolean      tty;
  gboolean      drawn;
  int           last_step;
  GAsyncResult *result;
} Run;

static int
disk_fail (const GError *error)
{
  int code = HG_EXIT_FAILURE;

  if (error->domain == HG_VM_DISK_ERROR)
    switch ((HgVmDiskError) error->code)
      {
      case HG_VM_DISK_ERROR_NOT_FOUND:
        code = HG_EXIT_NOT_FOUND;
        break;
      case HG_VM_DISK_ERROR_INVALID:
      case HG_VM_DISK_ERROR_SHRINK:
        code = HG_EXIT_USAGE;
        break;
      case HG_VM_DISK_ERROR_RUNNING:
      case HG_VM_DISK_ERROR_SNAPSHOTS:
        code = HG_EXIT_STATE;
        break;
      default:
        break;
      }
  else if (error->domain == HG_DISK_IMAGE_ERROR && error->code == HG_DISK_IMAGE_ERROR_NO_TOOL)
    code = HG_EXIT_MISSING;
  else if (error->domain == HG_DISK_IMAGE_ERROR && error->code == HG_DISK_IMAGE_ERROR_NOT_FOUND)
    code = HG_EXIT_NOT_FOUND;
  hg_cli_error ("disk", "%s", error->message);
  return code;
}

static void
on_progress (double   fraction,
             gpointer user_data)
{
  Run *run = user_data;
  int percent = fraction < 0 ? -1 : (int) (fraction * 100.0 + 0.5);

  if (run->tty)
    {
      char bar[31];
      int filled = percent < 0 ? 0 : percent * 30 / 100;

      for (int i = 0; i < 30; i++)
        bar[i] = i < filled ? '#' : '-';
      bar[30] = '\0';
      g_printerr ("\r\033[K%s [%s] %3d%%", run->what, bar, MAX (percent, 0));
      run->drawn = TRUE;
    }
  else if (percent >= 0 && percent / 10 > run->last_step)
    {
      /* a line at the start and every 10 % for a log */
      run->last_step = percent / 10;
      g_printerr (_("%s: %d%%\n"), run->what, percent);
    }
}

static gboolean
interrupted (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_CONTINUE;
}

/* Waits for run->result with Ctrl-C (and SIGTERM, SIGHUP) cancelling */
static GAsyncResult *
wait_cancellable (Run          *run,
                  GCancellable *cancellable)
{
  guint sigint = g_unix_signal_add (SIGINT, interrupted, cancellable);
  guint sigterm = g_unix_signal_add (SIGTERM, interrupted, cancellable);
  guint sighup = g_unix_signal_add (SIGHUP, interrupted, cancellable);

  hg_cli_wait_result (&run->result);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_source_remove (sighup);
  if (run->drawn)
    g_printerr ("\r\033[K");
  return run->result;
}

static void
store (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  ((Run *) user_data)->result = g_object_ref (result);
}

static void
disk_json (JsonBuilder *b,
           gpointer     item,
           gpointer     user_data)
{
  HgVmDiskInfo *d = item;

  hg_cli_json_add_string (b, "name", d->name);
  hg_cli_json_add_string (b, "path", d->path);
  hg_cli_json_add_string (b, "format", d->format);
  hg_cli_json_add_string (b, "bus", d->interface);
  hg_cli_json_add_int (b, "virtual-size", (gint64) d->virtual_size);
  hg_cli_json_add_int (b, "actual-size", (gint64) d->actual_size);
}

static int
disk_list (HgCliContext *ctx,
           HgVmConfig   *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) disks = hg_vm_disks_list (config, NULL, &error);

  if (disks == NULL)
    return disk_fail (error);
  if (ctx->json)
    {
      hg_cli_print_json_array (disks, disk_json, NULL);
      return HG_EXIT_OK;
    }
  if (disks->len == 0)
    {
      g_print (_("VM '%s' has no disks\n"), config->label);
      return HG_EXIT_OK;
    }
  g_print ("%-6s %-6s %-7s %-10s %-10s %s\n", _("NAME"), _("FORMAT"), _("BUS"), _("SIZE"),
           _("ON DISK"), _("FILE"));
  for (guint i = 0; i < disks->len; i++)
    {
      HgVmDiskInfo *d = g_ptr_array_index (disks, i);
      g_autofree char *size = hg_size_format (d->virtual_size);
      g_autofree char *used = hg_size_format (d->actual_size);

      g_print ("%-6s %-6s %-7s %-10s %-10s %s\n", d->name, d->format,
               d->interface != NULL ? d->interface : _("default"), size, used, d->path);
    }
  return HG_EXIT_OK;
}

static gboolean
parse_size (const char *option,
            const char *text,
            guint64    *out)
{
  g_autoptr(GError) error = NULL;

  if (!hg_size_parse (text, out, &error))
    {
      hg_cli_error ("disk", "%s: %s", option, error->message);
      return FALSE;
    }
  if (*out == 0)
    {
      hg_cli_error ("disk", _("%s: a disk needs a size larger than 0"), option);
      return FALSE;
    }
  return TRUE;
}

static int
disk_add (HgVm        *vm,
          DiskOptions *o)
{
  HgVmConfig *config = hg_vm_get_config (vm);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  HgVmDiskAddSpec spec = { 0 };
  Run run = { _("Copying"), isatty (STDERR_FILENO), FALSE, -1, NULL };

  if (o->size != NULL && !parse_size ("--size", o->size, &spec.size))
    return HG_EXIT_USAGE;
  spec.image = o->image;
  spec.copy = o->copy;
  spec.format = o->format;
  spec.interface = o->bus;
  hg_vm_disk_add_async (config, &spec, on_progress, &run, cancellable, store, &run);
  name = hg_vm_disk_add_finish (wait_cancellable (&run, cancellable), &error);
  g_clear_object (&run.result);
  if (name == NULL)
    return disk_fail (error);
  if (hg_vm_is_active (vm))
    g_print (_("Added %s to VM '%s' (the guest sees it from the next start)\n"), name,
             config->label);
  else
    g_print (_("Added %s to VM '%s'\n"), name, config->label);
  return HG_EXIT_OK;
}

static int
disk_resize (HgVm        *vm,
             const char  *name,
             const char  *size_text,
             DiskOptions *o)
{
  HgVmConfig *config = hg_vm_get_config (vm);
  g_autoptr(GError) error = NULL;
  guint64 bytes;
  g_autofree char *size = NULL;

  if (!parse_size ("SIZE", size_text, &bytes))
    return HG_EXIT_USAGE;
  if (hg_vm_is_active (vm))
    {
      g_autoptr(GAsyncResult) result = NULL;

      hg_vm_disk_resize_online_async (vm, name, bytes, NULL, hg_cli_store_result, &result);
      if (!hg_vm_disk_resize_online_finish (vm, hg_cli_wait_result (&result), &error))
        return disk_fail (error);
    }
  else if (!hg_vm_disk_resize (config, name, bytes, o->force, NULL, &error))
    return disk_fail (error);
  size = hg_size_format (bytes);
  g_print (_("%s of VM '%s' is now %s.\n%s\n"), name, config->label, size,
           hg_vm_disk_grow_note ());
  return HG_EXIT_OK;
}

static int
disk_convert (HgVm        *vm,
              const char  *name,
              const char  *format,
              DiskOptions *o)
{
  HgVmConfig *config = hg_vm_get_config (vm);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  Run run = { format != NULL ? _("Converting") : _("Compacting"), isatty (STDERR_FILENO),
              FALSE, -1, NULL };
  gboolean ok;

  if (!hg_vm_disks_ensure_stopped (vm, format != NULL ? _("convert a disk") : _("compact a disk"),
                                   &error))
    return disk_fail (error);
  hg_vm_disk_convert_async (config, name, format, o->compress, on_progress, &run, cancellable,
                            store, &run);
  ok = hg_vm_disk_convert_finish (wait_cancellable (&run, cancellable), &kept, &error);
  g_clear_object (&run.result);
  if (!ok)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          hg_cli_error ("disk", _("cancelled; %s is unchanged"), name);
          return HG_EXIT_FAILURE;
        }
      return disk_fail (error);
    }
  if (kept != NULL)
    g_print (_("%s of VM '%s' is now a %s image; the old image %s is kept (remove it when "
               "you no longer need it)\n"), name, config->label, format, kept);
  else if (format != NULL)
    g_print (_("%s of VM '%s' is rewritten as %s\n"), name, config->label, format);
  else
    g_print (_("%s of VM '%s' is compacted\n"), name, config->label);
  return HG_EXIT_OK;
}

static int
disk_remove (HgVm        *vm,
             const char  *name,
             DiskOptions *o)
{
  HgVmConfig *config = hg_vm_get_config (vm);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  if (!hg_vm_disks_ensure_stopped (vm, _("remove a disk"), &error) ||
      !hg_vm_disk_remove (config, name, o->trash, &path, &error))
    return disk_fail (error);
  if (o->trash)
    g_print (_("Removed %s from VM '%s'; its image %s is in the trash\n"), name,
             config->label, path);
  else
    g_print (_("Removed %s from VM '%s'; its image %s is kept\n"), name, config->label, path);
  return HG_EXIT_OK;
}

static gboolean
check_args (int argc,
            int wanted)
{
  if (argc < wanted)
    {
      hg_cli_error ("disk", _("missing arguments; see “hangarctl %s --help”"), "disk");
      return FALSE;
    }
  if (argc > wanted)
    {
      hg_cli_error ("disk", _("too many arguments; see “hangarctl %s --help”"), "disk");
      return FALSE;
    }
  return TRUE;
}

/* Each option is for some actions only */
static gboolean
check_options (const char  *action,
               DiskOptions *o)
{
  struct { const char *name; gboolean given; const char *actions; } table[] = {
    { "--size", o->size != NULL, " add " },
    { "--format", o->format != NULL, " add " },
    { "--bus", o->bus != NULL, " add " },
    { "--image", o->image != NULL, " add " },
    { "--copy", o->copy, " add " },
    { "--trash", o->trash, " remove " },
    { "--force", o->force, " resize " },
    { "--compress", o->compress, " convert compact " },
  };
  g_autofree char *needle = g_strdup_printf (" %s ", action);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].given && strstr (table[i].actions, needle) == NULL)
      {
        g_autofree char *list = g_strstrip (g_strdup (table[i].actions));

        hg_cli_error ("disk", _("%s is for %s, not %s"), table[i].name, list, action);
        return FALSE;
      }
  return TRUE;
}

static int
cli_disk (HgCliContext *ctx,
          int           argc,
          char        **argv)
{
  DiskOptions o = { 0 };
  GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_STRING, &o.size, N_("add: the new disk's size (8G, 512M)"), N_("SIZE") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &o.format, N_("add: qcow2 (default), raw, vmdk, vdi or vhdx"), N_("FORMAT") },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &o.bus, N_("add: virtio, ide, scsi, sd or none (default: the architecture's)"), N_("BUS") },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &o.image, N_("add: an existing image (inspected first), used where it is"), N_("FILE") },
    { "copy", 0, 0, G_OPTION_ARG_NONE, &o.copy, N_("add: copy --image into the VM's folder"), NULL },
    { "trash", 0, 0, G_OPTION_ARG_NONE, &o.trash, N_("remove: move the image to the trash (else it is kept)"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &o.force, N_("resize: allow shrinking (cuts off the end of the disk)"), NULL },
    { "compress", 0, 0, G_OPTION_ARG_NONE, &o.compress, N_("convert, compact: compressed qcow2 clusters"), NULL },
    HG_CLI_BASE_OPTION (&o.local_bases),
    { NULL }
  };
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  const char *action;
  int status = HG_EXIT_OK;

  if (!hg_cli_parse_options ("disk",
                             _("VM list | add | remove DISK | resize DISK SIZE | convert DISK FORMAT | compact DISK"),
                             _("Lists and changes the disks of a VM, named as their config groups: "
                               "disk0, disk1 …  add makes a new disk (--size, --format, --bus) or "
                               "adds an existing image (--image FILE).  remove keeps the image, or "
                               "moves it to the trash with --trash.  resize grows a disk, also while "
                               "the VM runs; shrinking needs --force and a stopped VM.  convert "
                               "(to qcow2, raw, vmdk, vdi or vhdx) and compact write a new image "
                               "that replaces the old one only once it is complete and verified; "
                               "Ctrl-C cancels and leaves the disk as it was."),
                             entries, &argc, &argv))
    {
      status = HG_EXIT_USAGE;
      goto out;
    }
  if (!hg_cli_check_one_vm ("disk", argc, 0))
    {
      status = HG_EXIT_USAGE;
      goto out;
    }
  if (argc < 3)
    {
      hg_cli_error ("disk", _("list, add, remove, resize, convert or compact?"));
      status = HG_EXIT_USAGE;
      goto out;
    }
  action = argv[2];
  if (!g_strv_contains ((const char * const[]) { "list", "add", "remove", "resize", "convert",
                                                 "compact", NULL }, action))
    {
      hg_cli_error ("disk", _("unknown action “%s” (list, add, remove, resize, convert or "
                              "compact)"), action);
      status = HG_EXIT_USAGE;
      goto out;
    }
  if (!check_options (action, &o))
    {
      status = HG_EXIT_USAGE;
      goto out;
    }
  if (g_str_equal (action, "list"))
    {
      if (!check_args (argc, 3))
        {
          status = HG_EXIT_USAGE;
          goto out;
        }
      config = hg_cli_lookup_vm (ctx, "disk", o.local_bases, argv[1], &status);
      if (config != NULL)
        status = disk_list (ctx, config);
      goto out;
    }
  if (!check_args (argc, g_str_equal (action, "add") ? 3
                         : g_str_equal (action, "resize") || g_str_equal (action, "convert") ? 5
                         : 4))
    {
      status = HG_EXIT_USAGE;
      goto out;
    }
  vm = hg_cli_open_vm (ctx, "disk", o.local_bases, argv[1], &status);
  if (vm == NULL)
    goto out;
  if (g_str_equal (action, "add"))
    status = disk_add (vm, &o);
  else if (g_str_equal (action, "remove"))
    status = disk_remove (vm, argv[3], &o);
  else if (g_str_equal (action, "resize"))
    status = disk_resize (vm, argv[3], argv[4], &o);
  else if (g_str_equal (action, "convert"))
    status = disk_convert (vm, argv[3], argv[4], &o);
  else
    status = disk_convert (vm, argv[3], NULL, &o);
  if (hg_vm_is_active (vm))
    hg_vm_detach (vm);

out:
  g_free (o.size);
  g_free (o.format);
  g_free (o.bus);
  g_free (o.image);
  g_strfreev (o.local_bases);
  return status;
}

const HgCliCommand hg_cli_disk_commands[] = {
  { "disk", N_("List, add, remove, resize, convert or compact a VM's disks"), cli_disk },
  { NULL }
};
