/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangarctl"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hangarctl-private.h"
#include "hg-import.h"
#include "hg-library.h"
#include "hg-switch.h"

/*
 * hangarctl import FILE [--format F] [--disks link|copy|convert] [--base DIR]
 *                       [--name NAME] [--switch NAME]
 *
 * A VM of libvirt, quickemu, an OVF/OVA export or a VMware .vmx as a Hangar
 * VM, with the report of what was taken over; a ctys file goes to
 * import-ctys.
 */

static void
on_progress (double   fraction,
             gpointer data)
{
  gboolean tty = GPOINTER_TO_INT (data);

  if (fraction < 0)
    return;
  if (tty)
    {
      fprintf (stderr, "\r%3d %%", (int) (fraction * 100 + 0.5));
      if (fraction >= 1.0)
        fputc ('\n', stderr);
    }
  else if (fraction >= 1.0)
    fprintf (stderr, "100 %%\n");
  fflush (stderr);
}

static int
delegate_ctys (HgCliContext *ctx,
               const char   *file,
               const char   *base,
               const char   *name)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, (char *) "import-ctys");
  g_ptr_array_add (args, (char *) file);
  if (base != NULL)
    {
      g_ptr_array_add (args, (char *) "--base");
      g_ptr_array_add (args, (char *) base);
    }
  if (name != NULL)
    {
      g_ptr_array_add (args, (char *) "--label");
      g_ptr_array_add (args, (char *) name);
    }
  g_ptr_array_add (args, NULL);
  return hg_cli_import_ctys (ctx, (int) args->len - 1, (char **) args->pdata);
}

static int
import_exit_code (const GError *error)
{
  if (error->domain != HG_IMPORT_ERROR)
    return hg_cli_fail ("import", error);
  hg_cli_error ("import", "%s", error->message);
  switch ((HgImportError) error->code)
    {
    case HG_IMPORT_ERROR_PARSE:
    case HG_IMPORT_ERROR_TOO_LARGE:
    case HG_IMPORT_ERROR_UNSAFE:
    case HG_IMPORT_ERROR_UNSUPPORTED:
    case HG_IMPORT_ERROR_CHECKSUM:
    case HG_IMPORT_ERROR_FORMAT:
      return HG_EXIT_CONFIG;
    case HG_IMPORT_ERROR_EXISTS:
      return HG_EXIT_USAGE;
    case HG_IMPORT_ERROR_IO:
    default:
      return HG_EXIT_FAILURE;
    }
}

int
hg_cli_import (HgCliContext *ctx,
               int           argc,
               char        **argv)
{
  g_autofree char *format_name = NULL;
  g_autofree char *disks_name = NULL;
  g_autofree char *name = NULL;
  g_autofree char *switch_name = NULL;
  g_auto(GStrv) local_bases = NULL;
  GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_name,
      N_("The file's format: libvirt, quickemu, ovf, ova, vmx or ctys (default: detected)"),
      N_("FORMAT") },
    { "disks", 0, 0, G_OPTION_ARG_STRING, &disks_name,
      N_("link (use the images where they are; default), copy, or convert (to qcow2) into "
         "the VM's folder"), N_("MODE") },
    { "base", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &local_bases,
      N_("Base directory to write the VM into (default: the first base of the library)"), N_("DIR") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Name of the new VM (default: the file's)"),
      N_("NAME") },
    { "switch", 0, 0, G_OPTION_ARG_STRING, &switch_name,
      N_("Put NICs of a libvirt network on this VDE switch (default: user-mode networking)"),
      N_("NAME") },
    { NULL }
  };
  g_autoptr(HgImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) bases = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *report = NULL;
  g_autofree char *existing = NULL;
  HgImportFormat format = HG_IMPORT_FORMAT_AUTO;
  HgImportDisks disks = HG_IMPORT_DISKS_LINK;
  const char *base;

  if (!hg_cli_parse_options ("import", _("FILE"),
                             _("Imports a VM of libvirt (domain XML), quickemu (.conf), an "
                               "OVF/OVA export or VMware (.vmx) as a Hangar VM and reports what "
                               "was taken over and what was not. Nothing in the file is run."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc != 2)
    {
      hg_cli_error ("import", argc < 2 ? _("which file?") : _("takes one file"));
      return HG_EXIT_USAGE;
    }
  if (format_name != NULL && (!hg_import_format_from_string (format_name, &format) ||
                              format == HG_IMPORT_FORMAT_AUTO))
    {
      hg_cli_error ("import", _("--format: unknown format '%s' (libvirt, quickemu, ovf, ova, vmx "
                                "or ctys)"), format_name);
      return HG_EXIT_USAGE;
    }
  if (disks_name != NULL && !hg_import_disks_from_string (disks_name, &disks))
    {
      hg_cli_error ("import", _("--disks: unknown mode '%s' (link, copy or convert)"), disks_name);
      return HG_EXIT_USAGE;
    }
  if (name != NULL && !hg_label_is_valid (name, &error))
    {
      hg_cli_error ("import", "--name: %s", error->message);
      return HG_EXIT_USAGE;
    }
  if (switch_name != NULL && !hg_switch_name_is_valid (switch_name, &error))
    {
      hg_cli_error ("import", "--switch: %s", error->message);
      return HG_EXIT_USAGE;
    }
  abs = g_canonicalize_filename (argv[1], NULL);
  if (!g_file_test (abs, G_FILE_TEST_EXISTS))
    {
      hg_cli_error ("import", _("%s: no such file"), abs);
      return HG_EXIT_NOT_FOUND;
    }

  if (local_bases != NULL && local_bases[0] != NULL)
    base = local_bases[0];
  else
    {
      bases = hg_cli_effective_bases (ctx, NULL, NULL);
      base = bases[0];
    }

  if (format == HG_IMPORT_FORMAT_AUTO)
    {
      format = hg_import_detect_format (abs, &error);
      if (format == HG_IMPORT_FORMAT_AUTO)
        return import_exit_code (error);
    }
  if (format == HG_IMPORT_FORMAT_CTYS)
    return delegate_ctys (ctx, abs, local_bases != NULL ? local_bases[0] : NULL, name);

  import = hg_import_open (argv[1], format, switch_name, &error);
  if (import == NULL)
    return import_exit_code (error);
  if (name != NULL && !hg_import_set_label (import, name, &error))
    return import_exit_code (error);

  existing = hg_library_find_label (base, hg_import_get_label (import));
  if (existing != NULL)
    {
      hg_cli_error ("import", _("a VM named '%s' exists already: %s (choose another name with "
                                "--name)"), hg_import_get_label (import), existing);
      return HG_EXIT_USAGE;
    }
  {
    /* a UUID in the file that a VM of the library (or of the target base)
     * has already -- the same file imported twice -- is renewed */
    g_auto(GStrv) library = hg_cli_effective_bases (ctx, NULL, NULL);
    g_autoptr(GStrvBuilder) look = g_strv_builder_new ();
    g_auto(GStrv) look_bases = NULL;
    g_autofree char *taken_by = NULL;

    g_strv_builder_add (look, base);
    g_strv_builder_addv (look, (const char **) library);
    look_bases = g_strv_builder_end (look);
    taken_by = hg_library_find_same_uuid ((const char * const *) look_bases,
                                          hg_import_get_config (import));
    if (taken_by != NULL)
      hg_import_renew_uuid (import, taken_by);
  }
  if (g_mkdir_with_parents (base, 0755) != 0)
    {
      int errsv = errno;

      hg_cli_error ("import", _("cannot create folder %s: %s"), base, g_strerror (errsv));
      return HG_EXIT_FAILURE;
    }
  if (!hg_import_write (import, base, disks, on_progress, GINT_TO_POINTER (isatty (2)), NULL,
                        &config_path, &error))
    return import_exit_code (error);

  report = hg_import_format_report (import);
  fputs (report, stdout);
  g_print (_("Created VM '%s': %s\n"), hg_import_get_label (import), config_path);
  return HG_EXIT_OK;
}
