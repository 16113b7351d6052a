/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "hangarctl-private.h"
#include "hg-qmp-commands.h"
#include "hg-vm-snapshots.h"
#include "hg-vm.h"

/*
 * hangarctl snapshot VM tree | take NAME | revert NAME | delete NAME |
 *                       rename NAME NEW | describe NAME TEXT
 *                       (and today's save | load | list of a running VM)
 *
 * The snapshot tree of hg-vm-snapshots.h: a running VM's snapshots hold
 * its RAM and disks, a stopped VM's its disks.
 */

static void
snapshot_json (JsonBuilder *b,
               gpointer     item,
               gpointer     user_data)
{
  HgQmpSnapshot *s = item;

  hg_cli_json_add_string (b, "id", s->id);
  hg_cli_json_add_string (b, "name", s->tag);
  hg_cli_json_add_string (b, "vm-size", s->vm_size);
  hg_cli_json_add_string (b, "date", s->date);
  hg_cli_json_add_string (b, "vm-clock", s->vm_clock);
}

static void
print_snapshots (GPtrArray *list)
{
  if (list->len == 0)
    {
      g_print ("%s\n", _("no snapshots"));
      return;
    }
  g_print ("%-4s %-24s %12s  %-19s  %s\n", _("ID"), _("NAME"), _("VM SIZE"), _("DATE"),
           _("VM CLOCK"));
  for (guint i = 0; i < list->len; i++)
    {
      HgQmpSnapshot *s = g_ptr_array_index (list, i);
      g_print ("%-4s %-24s %12s  %-19s  %s\n", s->id, s->tag, s->vm_size ? s->vm_size : "",
               s->date ? s->date : "", s->vm_clock ? s->vm_clock : "");
    }
}

/* list: today's flat list of a running VM, as QEMU has it */
static int
snapshot_list (HgCliContext *ctx,
               char        **local_bases,
               const char   *vm_name,
               gboolean      json)
{
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  int status = HG_EXIT_OK;

  vm = hg_cli_open_running_vm (ctx, "snapshot", local_bases, vm_name, &status);
  if (vm == NULL)
    return status;
  if (!hg_vm_check_snapshots_supported (vm, &error))
    return hg_cli_vm_fail ("snapshot", error);
  hg_vm_snapshot_list_async (vm, NULL, hg_cli_store_result, &result);
  list = hg_vm_snapshot_list_finish (vm, hg_cli_wait_result (&result), &error);
  if (list == NULL)
    return hg_cli_vm_fail ("snapshot", error);
  if (json || ctx->json)
    hg_cli_print_json_array (list, snapshot_json, NULL);
  else
    print_snapshots (list);
  hg_vm_detach (vm);
  return HG_EXIT_OK;
}

static void
print_notes (HgSnapshotTree *tree)
{
  for (guint i = 0; i < tree->notes->len; i++)
    g_printerr (_("hangarctl: snapshot: note: %s\n"), (char *) g_ptr_array_index (tree->notes, i));
}

static HgSnapshotTree *
get_tree (HgVm *vm, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hg_vm_snapshots_get_async (vm, NULL, hg_cli_store_result, &result);
  return hg_vm_snapshots_get_finish (vm, hg_cli_wait_result (&result), error);
}

static int
cli_snapshot (HgCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_auto(GStrv) local_bases = NULL;
  g_autofree char *description = NULL;
  gboolean json = FALSE;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the list or tree as JSON"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("revert: discard the changes since the current snapshot; "
         "save: replace a snapshot of the same name (it is lost)"), NULL },
    { "description", 'd', 0, G_OPTION_ARG_STRING, &description,
      N_("take, rename: the snapshot's description"), N_("TEXT") },
    HG_CLI_BASE_OPTION (&local_bases),
    { NULL }
  };
  static const struct {
    const char *verb;
    int         args;   /* after the verb */
  } verbs[] = {
    { "tree", 0 }, { "list", 0 }, { "take", 1 }, { "revert", 1 }, { "delete", 1 },
    { "rename", 2 }, { "describe", 2 }, { "save", 1 }, { "load", 1 },
  };
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgSnapshotTree) tree = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const char *verb, *name = NULL, *label;
  int status = HG_EXIT_OK;
  gboolean known = FALSE;

  if (!hg_cli_parse_options ("snapshot",
                             _("VM tree | take|revert|delete NAME | rename NAME NEW | "
                               "describe NAME TEXT | save|load NAME | list"),
                             _("The snapshot tree of a VM (every disk must be qcow2): while it runs "
                               "a snapshot holds the RAM and the disks, while it is stopped the "
                               "disks."),
                             entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (!hg_cli_check_one_vm ("snapshot", argc, 0))
    return HG_EXIT_USAGE;
  if (argc < 3)
    {
      hg_cli_error ("snapshot", _("what to do? tree, take, revert, delete, rename, describe, "
                                  "save, load or list"));
      return HG_EXIT_USAGE;
    }
  verb = argv[2];
  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    if (g_str_equal (verb, verbs[i].verb))
      {
        known = TRUE;
        if (argc != 3 + verbs[i].args)
          {
            if (verbs[i].args == 0)
              hg_cli_error ("snapshot", _("%s takes no further arguments"), verb);
            else if (verbs[i].args == 1)
              hg_cli_error ("snapshot", _("%s needs one snapshot NAME"), verb);
            else if (g_str_equal (verb, "rename"))
              hg_cli_error ("snapshot", _("rename needs the snapshot's NAME and its NEW name"));
            else
              hg_cli_error ("snapshot", _("describe needs the snapshot's NAME and the TEXT"));
            return HG_EXIT_USAGE;
          }
      }
  if (!known)
    {
      hg_cli_error ("snapshot", _("unknown action '%s' (tree, take, revert, delete, rename, "
                                  "describe, save, load or list)"), verb);
      return HG_EXIT_USAGE;
    }
  if (argc > 3)
    {
      name = argv[3];
      if (!hg_qmp_snapshot_name_is_valid (name, &error) ||
          (g_str_equal (verb, "rename") && !hg_qmp_snapshot_name_is_valid (argv[4], &error)))
        {
          hg_cli_error ("snapshot", "%s", error->message);
          return HG_EXIT_USAGE;
        }
    }
  if (force && !g_str_equal (verb, "save") && !g_str_equal (verb, "revert"))
    {
      hg_cli_error ("snapshot", _("--force is only for revert (to discard the changes since "
                                  "the current snapshot) and save (to replace a snapshot)"));
      return HG_EXIT_USAGE;
    }
  if (description != NULL && !g_str_equal (verb, "take") && !g_str_equal (verb, "rename"))
    {
      hg_cli_error ("snapshot", _("--description is only for take and rename"));
      return HG_EXIT_USAGE;
    }

  if (g_str_equal (verb, "list"))
    return snapshot_list (ctx, local_bases, argv[1], json);
  /* save --force: replace, through QEMU as before */
  if (g_str_equal (verb, "save") && force)
    {
      vm = hg_cli_open_running_vm (ctx, "snapshot", local_bases, argv[1], &status);
      if (vm == NULL)
        return status;
      hg_vm_snapshot_save_full_async (vm, name, TRUE, NULL, hg_cli_store_result, &result);
      if (!hg_vm_action_finish (vm, hg_cli_wait_result (&result), &error))
        return hg_cli_vm_fail ("snapshot", error);
      g_print (_("Snapshot '%s' of VM '%s' saved\n"), name, hg_vm_get_label (vm));
      hg_vm_detach (vm);
      return HG_EXIT_OK;
    }
  /* save and load are today's verbs of a running VM */
  if (g_str_equal (verb, "save") || g_str_equal (verb, "load"))
    vm = hg_cli_open_running_vm (ctx, "snapshot", local_bases, argv[1], &status);
  else
    vm = hg_cli_open_vm (ctx, "snapshot", local_bases, argv[1], &status);
  if (vm == NULL)
    return status;
  label = hg_vm_get_label (vm);
  if (!hg_vm_check_snapshots_supported (vm, &error))
    return hg_cli_vm_fail ("snapshot", error);

  if (g_str_equal (verb, "tree"))
    {
      if ((tree = get_tree (vm, &error)) == NULL)
        return hg_cli_vm_fail ("snapshot", error);
      print_notes (tree);
      if (json || ctx->json)
        {
          g_autoptr(JsonNode) root = hg_snapshot_tree_to_json (tree);
          g_autofree char *text = json_to_string (root, TRUE);

          g_print ("%s\n", text);
        }
      else
        {
          g_autofree char *text = hg_snapshot_tree_format (tree);

          g_print ("%s", text);
        }
      hg_vm_detach (vm);
      return HG_EXIT_OK;
    }

  if (g_str_equal (verb, "revert") && !force)
    {
      HgSnapshot *current = NULL, *target;

      if ((tree = get_tree (vm, &error)) == NULL)
        return hg_cli_vm_fail ("snapshot", error);
      if ((target = hg_snapshot_tree_find (tree, name)) == NULL)
        {
          hg_cli_error ("snapshot", _("VM '%s' has no snapshot named '%s'"), label, name);
          return HG_EXIT_NOT_FOUND;
        }
      if (tree->current != NULL)
        current = hg_snapshot_tree_find (tree, tree->current);
      if (current != NULL)
        hg_cli_error ("snapshot", _("reverting VM '%s' to '%s' discards every change made since "
                                    "snapshot '%s' (take a snapshot first to keep them); "
                                    "--force goes ahead"), label, target->name, current->name);
      else
        hg_cli_error ("snapshot", _("reverting VM '%s' to '%s' discards its present state "
                                    "(take a snapshot first to keep it); --force goes ahead"),
                      label, target->name);
      return HG_EXIT_STATE;
    }

  if (g_str_equal (verb, "take") || g_str_equal (verb, "save"))
    hg_vm_snapshots_take_async (vm, name, description, NULL, hg_cli_store_result, &result);
  else if (g_str_equal (verb, "revert") || g_str_equal (verb, "load"))
    hg_vm_snapshots_revert_async (vm, name, NULL, hg_cli_store_result, &result);
  else if (g_str_equal (verb, "delete"))
    hg_vm_snapshots_delete_async (vm, name, NULL, hg_cli_store_result, &result);
  else if (g_str_equal (verb, "rename"))
    hg_vm_snapshots_edit_async (vm, name, argv[4], description, NULL, hg_cli_store_result,
                                &result);
  else
    hg_vm_snapshots_edit_async (vm, name, NULL, argv[4], NULL, hg_cli_store_result, &result);
  if (!hg_vm_snapshots_finish (vm, hg_cli_wait_result (&result), &error))
    {
      if (g_str_equal (verb, "save") &&
          g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_SNAPSHOT_EXISTS))
        {
          hg_cli_error ("snapshot", _("VM '%s' has a snapshot named '%s' already; "
                                      "--force replaces it (the old one is lost)"), label, name);
          return HG_EXIT_STATE;
        }
      return hg_cli_vm_fail ("snapshot", error);
    }
  if (g_str_equal (verb, "take") || g_str_equal (verb, "save"))
    g_print (_("Snapshot '%s' of VM '%s' saved\n"), name, label);
  else if (g_str_equal (verb, "revert") || g_str_equal (verb, "load"))
    g_print (_("VM '%s' is back at snapshot '%s'\n"), label, name);
  else if (g_str_equal (verb, "delete"))
    g_print (_("Snapshot '%s' of VM '%s' deleted\n"), name, label);
  else if (g_str_equal (verb, "rename"))
    g_print (_("Snapshot '%s' of VM '%s' is now '%s'\n"), name, label, argv[4]);
  else
    g_print (_("Snapshot '%s' of VM '%s' described\n"), name, label);
  hg_vm_detach (vm);
  return HG_EXIT_OK;
}

const HgCliCommand hg_cli_snapshot_commands[] = {
  { "snapshot", N_("The snapshot tree: tree, take, revert, delete, rename (also save, load, list)"),
    cli_snapshot },
  { NULL }
};
