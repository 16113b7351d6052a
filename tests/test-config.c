/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hg-disk-image.h"
#include "hg-vm-config.h"
#include "hg-vm.h"
#include "hg-vm-spec.h"

#define TEST_UUID "6b8d2c1e-6f1a-4f43-9a55-2d0c3b1e7f20"

/* ------------------------------------------------------------------ */
/* Helpers */

static void
rm_rf (const char *path)
{
  GDir *dir;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_chmod (path, 0700);
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      if (dir != NULL)
        g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

typedef struct {
  char *tmp;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    return;   /* the parent's directory is used */
  f->tmp = g_dir_make_tmp ("hangar-config-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->tmp != NULL)
    rm_rf (f->tmp);
  g_free (f->tmp);
}

/* Writes <tmp>/<label>/<label>.hangar and returns its path. */
static char *
write_vm (Fixture    *f,
          const char *label,
          const char *data,
          gssize      length)
{
  g_autofree char *dir = g_build_filename (f->tmp, label, NULL);
  g_autofree char *name = g_strconcat (label, ".hangar", NULL);
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return path;
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static guint
count_entries (const char *dir_path)
{
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

static const char *
demo_fixture (void)
{
  return g_test_get_filename (G_TEST_DIST, "data", "config", "demo", "demo.hangar", NULL);
}

static char *
copy_demo (Fixture *f)
{
  g_autofree char *text = read_text (demo_fixture ());

  return write_vm (f, "demo", text, -1);
}

static void
assert_configs_equal (HgVmConfig *a, HgVmConfig *b)
{
  g_assert_cmpstr (a->label, ==, b->label);
  g_assert_cmpstr (a->uuid, ==, b->uuid);
  g_assert_cmpstr (a->arch, ==, b->arch);
  g_assert_cmpstr (a->machine, ==, b->machine);
  g_assert_cmpstr (a->cpu_model, ==, b->cpu_model);
  g_assert_cmpint (a->accel, ==, b->accel);
  g_assert_cmpuint (a->memory_mib, ==, b->memory_mib);
  g_assert_cmpuint (a->cpus, ==, b->cpus);
  g_assert_cmpstr (a->vga, ==, b->vga);
  g_assert_cmpstr (a->os_id, ==, b->os_id);
  g_assert_cmpstr (a->os_name, ==, b->os_name);
  g_assert_cmpstr (a->os_version, ==, b->os_version);
  g_assert_cmpstr (a->os_family, ==, b->os_family);

  g_assert_cmpuint (a->disks->len, ==, b->disks->len);
  for (guint i = 0; i < a->disks->len; i++)
    {
      HgDisk *da = g_ptr_array_index (a->disks, i), *db = g_ptr_array_index (b->disks, i);

      g_assert_cmpstr (da->path, ==, db->path);
      g_assert_cmpstr (da->format, ==, db->format);
      g_assert_cmpstr (da->interface, ==, db->interface);
    }
  g_assert_cmpuint (a->media->len, ==, b->media->len);
  for (guint i = 0; i < a->media->len; i++)
    {
      HgMedium *ma = g_ptr_array_index (a->media, i), *mb = g_ptr_array_index (b->media, i);

      g_assert_cmpint (ma->kind, ==, mb->kind);
      g_assert_cmpstr (ma->path, ==, mb->path);
      g_assert_cmpstr (ma->format, ==, mb->format);
    }
  g_assert_cmpuint (a->nics->len, ==, b->nics->len);
  for (guint i = 0; i < a->nics->len; i++)
    {
      HgNic *na = g_ptr_array_index (a->nics, i), *nb = g_ptr_array_index (b->nics, i);

      g_assert_cmpint (na->mode, ==, nb->mode);
      g_assert_cmpstr (na->switch_name, ==, nb->switch_name);
      g_assert_cmpstr (na->tap, ==, nb->tap);
      g_assert_cmpstr (na->mac, ==, nb->mac);
      g_assert_cmpstr (na->model, ==, nb->model);
      g_assert_cmpint (na->vdeq, ==, nb->vdeq);
      g_assert_cmpstr (na->tftp, ==, nb->tftp);
      g_assert_cmpstr (na->bootfile, ==, nb->bootfile);
      g_assert_cmpuint (na->hostfwd->len, ==, nb->hostfwd->len);
      for (guint j = 0; j < na->hostfwd->len; j++)
        {
          HgHostFwd *fa = g_ptr_array_index (na->hostfwd, j), *fb = g_ptr_array_index (nb->hostfwd, j);

          g_assert_cmpstr (fa->proto, ==, fb->proto);
          g_assert_cmpstr (fa->address, ==, fb->address);
          g_assert_cmpuint (fa->host_port, ==, fb->host_port);
          g_assert_cmpuint (fa->guest_port, ==, fb->guest_port);
        }
    }

  g_assert_cmpint (a->boot_mode, ==, b->boot_mode);
  g_assert_cmpstr (a->kernel, ==, b->kernel);
  g_assert_cmpstr (a->initrd, ==, b->initrd);
  g_assert_cmpstr (a->append, ==, b->append);
  g_assert_cmpstr (a->dtb, ==, b->dtb);
  g_assert_cmpint (a->console, ==, b->console);
  g_assert_cmpstr (a->keymap, ==, b->keymap);
  g_assert_cmpint (a->serial, ==, b->serial);
}

/* A small valid config "bad" with one value replaced (or added, or removed
 * when value is NULL; the whole group removed when key is NULL too).  The
 * value is written raw, without key-file escaping. */
static const char *const base_config[][3] = {
  { "machine", "label", "bad" },
  { "machine", "uuid", TEST_UUID },
  { "machine", "arch", "x86_64" },
  { "machine", "accel", "auto" },
  { "machine", "memory", "512" },
  { "machine", "cpus", "1" },
  { "guest", "name", "Debian" },
  { "disk:0", "path", "bad.qcow2" },
  { "disk:0", "format", "qcow2" },
  { "boot", "mode", "disk" },
  { "boot", "append", "console=ttyS0" },
  { "net:0", "mode", "user" },
  { "net:0", "mac", "52:54:00:00:00:01" },
  { "display", "console", "vnc" },
  { "serial", "enabled", "true" },
};

static GString *
make_config (const char *group,
             const char *key,
             const char *value)
{
  GString *out = g_string_new (NULL);
  gboolean done = FALSE;
  const char *current = NULL;

  for (guint i = 0; i <= G_N_ELEMENTS (base_config); i++)
    {
      const char *g = i < G_N_ELEMENTS (base_config) ? base_config[i][0] : NULL;

      if (current != NULL && g_strcmp0 (g, current) != 0)
        {
          /* end of a group: add the key if it was not there */
          if (!done && key != NULL && value != NULL && g_strcmp0 (group, current) == 0)
            {
              g_string_append_printf (out, "%s=%s\n", key, value);
              done = TRUE;
            }
        }
      if (g == NULL)
        break;
      if (g_strcmp0 (g, current) != 0)
        {
          current = g;
          if (key == NULL && g_strcmp0 (group, g) == 0)
            continue;
          g_string_append_printf (out, "\n[%s]\n", g);
        }
      if (g_strcmp0 (group, g) == 0 && key == NULL)
        continue;
      if (g_strcmp0 (group, g) == 0 && g_strcmp0 (key, base_config[i][1]) == 0)
        {
          done = TRUE;
          if (value != NULL)
            g_string_append_printf (out, "%s=%s\n", key, value);
          continue;
        }
      g_string_append_printf (out, "%s=%s\n", base_config[i][1], base_config[i][2]);
    }
  if (!done && key != NULL && value != NULL)
    g_string_append_printf (out, "\n[%s]\n%s=%s\n", group, key, value);
  return out;
}

/* Loads data as <tmp>/bad/bad.hangar and checks the error names the file,
 * the group and the key. */
static void
assert_load_fails (Fixture       *f,
                   const char    *data,
                   gssize         length,
                   HgConfigError  code,
                   const char    *group,
                   const char    *key,
                   const char    *fragment)
{
  g_autofree char *path = write_vm (f, "bad", data, length);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);
  g_autofree char *prefix = NULL;

  if (group != NULL && key != NULL)
    prefix = g_strdup_printf ("%s: [%s] %s: ", path, group, key);
  else if (group != NULL)
    prefix = g_strdup_printf ("%s: [%s]: ", path, group);
  else
    prefix = g_strdup_printf ("%s: ", path);

  g_assert_null (config);
  g_assert_nonnull (error);
  if (g_test_verbose ())
    g_test_message ("%s", error->message);
  g_assert_error (error, HG_CONFIG_ERROR, (gint) code);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("“%s” does not start with “%s”", error->message, prefix);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("“%s” does not contain “%s”", error->message, fragment);
}

/* ------------------------------------------------------------------ */
/* Tests */

static void
test_label (void)
{
  static const char *const good[] = {
    "demo", "a", "Debian-12.x_64", "0install", "a.b-c_d",
    "1234567890123456789012345678901234567890123456789012345678901234",
  };
  static const char *const bad[] = {
    "", ".hidden", "-rf", "a b", "a/b", "../evil", "é", "a\nb", "$(touch x)", "`id`",
    "a,file.locking=off",
    "12345678901234567890123456789012345678901234567890123456789012345",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (hg_label_is_valid (good[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (hg_label_is_valid (bad[i], &error));
      g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (hg_label_is_valid (NULL, &error));
    g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL);
  }
}

static void
test_mac (void)
{
  static const char *const good[] = {
    "52:54:00:12:34:56", "00:50:56:16:11:0b", "AA:BB:CC:DD:EE:F0", "02:00:00:00:00:01",
  };
  static const char *const bad[] = {
    "", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "52:54:00:12:34",
    "52:54:00:12:34:567", "52:54:00:12:34:5g", "52-54-00-12-34-56", "52:54:00:12:34:56 ",
    "5:254:00:12:34:56",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (hg_mac_is_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (hg_mac_is_valid (bad[i]));
  g_assert_false (hg_mac_is_valid (NULL));

  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *mac = hg_mac_generate ();

      g_assert_true (hg_mac_is_valid (mac));
      g_assert_true (g_str_has_prefix (mac, "52:54:00:"));
    }
}

static void
test_new (Fixture *f, gconstpointer data)
{
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("fresh");
  g_autoptr(HgVmConfig) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (f->tmp, "fresh", NULL);
  HgNic *nic;
  GStatBuf st;

  g_assert_true (g_uuid_string_is_valid (config->uuid));
  g_assert_true (hg_vm_config_validate (config, &error));
  g_assert_no_error (error);

  /* no location yet */
  g_assert_false (hg_vm_config_save (config, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  hg_vm_config_set_location (config, dir);
  g_assert_true (g_str_has_suffix (config->path, "/fresh/fresh.hangar"));

  g_ptr_array_add (config->disks, hg_disk_new ("fresh.qcow2", "qcow2", "virtio"));
  g_ptr_array_add (config->media, hg_medium_new (HG_MEDIUM_CDROM, "/srv/iso/debian.iso"));
  nic = hg_nic_new (HG_NET_VDE);
  g_assert_cmpstr (nic->switch_name, ==, "default");
  g_assert_true (hg_mac_is_valid (nic->mac));
  g_ptr_array_add (config->nics, nic);
  config->os_name = g_strdup (" leading space; semicolon \\ backslash #hash [x] =");

  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (config->path, &st), ==, 0);
  {
    mode_t mask = umask (022);

    umask (mask);
    g_assert_cmpint (st.st_mode & 0777, ==, 0644 & ~mask);
  }

  loaded = hg_vm_config_load (config->path, &error);
  g_assert_no_error (error);
  assert_configs_equal (config, loaded);
  g_assert_cmpstr (loaded->dir, ==, config->dir);
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autofree char *path = copy_demo (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);
  g_autoptr(HgVmConfig) again = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text2 = NULL;
  HgNic *nic;
  HgHostFwd *fwd;

  g_assert_no_error (error);
  g_assert_cmpstr (config->label, ==, "demo");
  g_assert_cmpstr (config->path, ==, path);
  g_assert_cmpstr (config->arch, ==, "x86_64");
  g_assert_cmpstr (config->machine, ==, "q35");
  g_assert_cmpstr (config->cpu_model, ==, "max");
  g_assert_cmpint (config->accel, ==, HG_ACCEL_AUTO);
  g_assert_cmpuint (config->memory_mib, ==, 256);
  g_assert_cmpuint (config->cpus, ==, 2);
  g_assert_cmpstr (config->os_id, ==, "debian12");
  g_assert_cmpuint (config->disks->len, ==, 2);
  g_assert_cmpstr (((HgDisk *) config->disks->pdata[1])->format, ==, "raw");
  g_assert_cmpuint (config->media->len, ==, 2);
  g_assert_cmpstr (hg_vm_config_get_medium (config, HG_MEDIUM_CDROM)->path, ==, "debian-12.iso");
  g_assert_null (hg_vm_config_get_medium (config, HG_MEDIUM_FLOPPY)->path);
  g_assert_null (hg_vm_config_get_medium (config, HG_MEDIUM_USB));
  g_assert_cmpint (config->boot_mode, ==, HG_BOOT_KERNEL);
  g_assert_cmpstr (config->append, ==, "console=ttyS0 quiet");
  g_assert_cmpuint (config->nics->len, ==, 2);
  nic = config->nics->pdata[0];
  g_assert_cmpint (nic->mode, ==, HG_NET_VDE);
  g_assert_cmpstr (nic->switch_name, ==, "lab");
  g_assert_true (nic->vdeq);
  nic = config->nics->pdata[1];
  g_assert_cmpint (nic->mode, ==, HG_NET_USER);
  g_assert_cmpuint (nic->hostfwd->len, ==, 2);
  fwd = nic->hostfwd->pdata[1];
  g_assert_cmpstr (fwd->proto, ==, "udp");
  g_assert_cmpuint (fwd->host_port, ==, 5353);
  g_assert_cmpuint (fwd->guest_port, ==, 53);
  g_assert_cmpstr (nic->bootfile, ==, "pxelinux.0");
  g_assert_cmpint (config->console, ==, HG_CONSOLE_VNC);
  g_assert_cmpstr (config->keymap, ==, "de");
  g_assert_true (config->serial);

  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_entries (config->dir), ==, 1);   /* no temp file left */

  text = read_text (path);
  {
    /* nothing changed, so nothing moved: the same bytes as the fixture */
    g_autofree char *original = read_text (demo_fixture ());

    g_assert_cmpstr (text, ==, original);
  }
  g_assert_nonnull (strstr (text, "x-owner=lab-3"));
  g_assert_nonnull (strstr (text, "# MiB\nmemory=256"));
  g_assert_nonnull (strstr (text, "# A Hangar VM"));
  g_assert_nonnull (strstr (text, "# the scratch disk"));
  g_assert_nonnull (strstr (text, "x-note=keep me"));
  g_assert_nonnull (strstr (text, "[x-notes]\ntext=not Hangar's: kept as it is"));

  again = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  assert_configs_equal (config, again);

  /* a second save of the reloaded config writes the same bytes */
  g_assert_true (hg_vm_config_save (again, &error));
  g_assert_no_error (error);
  text2 = read_text (path);
  g_assert_cmpstr (text, ==, text2);
}

/* A forward listens on loopback unless its address is written out; the
 * address survives a save. */
static void
test_hostfwd_address (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_vm (f, "fwd",
                                    "[machine]\nlabel=fwd\narch=x86_64\n"
                                    "[net:0]\nmode=user\n"
                                    "hostfwd=tcp:2222-22;tcp:0.0.0.0:8080-80;udp:127.0.0.1:5353-53;\n",
                                    -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);
  g_autoptr(HgVmConfig) again = NULL;
  g_autofree char *text = NULL;
  HgNic *nic;

  g_assert_no_error (error);
  nic = config->nics->pdata[0];
  g_assert_cmpuint (nic->hostfwd->len, ==, 3);
  g_assert_null (((HgHostFwd *) nic->hostfwd->pdata[0])->address);
  g_assert_cmpstr (((HgHostFwd *) nic->hostfwd->pdata[1])->address, ==, "0.0.0.0");
  g_assert_cmpuint (((HgHostFwd *) nic->hostfwd->pdata[1])->host_port, ==, 8080);
  g_assert_cmpstr (((HgHostFwd *) nic->hostfwd->pdata[2])->address, ==, "127.0.0.1");
  g_assert_cmpstr (((HgHostFwd *) nic->hostfwd->pdata[2])->proto, ==, "udp");

  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  text = read_text (path);
  g_assert_nonnull (strstr (text, "hostfwd=tcp:2222-22;tcp:0.0.0.0:8080-80;udp:127.0.0.1:5353-53;"));
  again = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  assert_configs_equal (config, again);

  /* an address set in code is checked before it is saved */
  g_free (((HgHostFwd *) nic->hostfwd->pdata[1])->address);
  ((HgHostFwd *) nic->hostfwd->pdata[1])->address = g_strdup ("0.0.0.0,guestfwd=x");
  g_assert_false (hg_vm_config_validate (config, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "hostfwd"));
}

static void
test_removed_groups (Fixture *f, gconstpointer data)
{
  g_autofree char *path = copy_demo (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);
  g_autoptr(HgVmConfig) again = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *text = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *note = NULL;

  g_assert_no_error (error);

  /* The first disk goes: the scratch disk becomes [disk:0] and keeps its
   * unknown key and its comment; a new disk is appended as [disk:1]. */
  g_ptr_array_remove_index (config->disks, 0);
  g_ptr_array_add (config->disks, hg_disk_new ("new.qcow2", "qcow2", NULL));
  /* All NICs and the floppy go */
  g_ptr_array_set_size (config->nics, 0);
  g_ptr_array_remove (config->media, hg_vm_config_get_medium (config, HG_MEDIUM_FLOPPY));
  /* An optional value is cleared */
  g_clear_pointer (&config->cpu_model, g_free);

  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);

  text = read_text (path);
  g_assert_true (g_key_file_load_from_data (kf, text, (gsize) -1, G_KEY_FILE_KEEP_COMMENTS, &error));
  g_assert_no_error (error);
  g_assert_false (g_key_file_has_group (kf, "net:0"));
  g_assert_false (g_key_file_has_group (kf, "net:1"));
  g_assert_false (g_key_file_has_group (kf, "floppy:0"));
  g_assert_false (g_key_file_has_key (kf, "machine", "cpu", NULL));
  g_assert_null (strstr (text, "demo.qcow2"));
  note = g_key_file_get_value (kf, "disk:0", "x-note", NULL);
  g_assert_cmpstr (note, ==, "keep me");
  comment = g_key_file_get_comment (kf, "disk:0", "path", NULL);
  g_assert_nonnull (strstr (comment, "the scratch disk"));
  g_assert_false (g_key_file_has_key (kf, "disk:1", "x-note", NULL));
  g_assert_true (g_key_file_has_key (kf, "machine", "x-owner", NULL));

  again = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  assert_configs_equal (config, again);
  g_assert_cmpstr (((HgDisk *) again->disks->pdata[0])->path, ==, "/srv/vm/scratch.img");
  g_assert_cmpstr (((HgDisk *) again->disks->pdata[1])->path, ==, "new.qcow2");
}

/* Runs in a subprocess: a save that the system refuses. */
static void
save_in_subprocess (void)
{
  const char *path = g_getenv ("HANGAR_TEST_CONFIG");
  const char *how = g_getenv ("HANGAR_TEST_HOW");
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = NULL;

  g_assert_nonnull (path);
  /* loaded as its owner: another user's config is never read */
  config = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  if (g_strcmp0 (how, "readonly") == 0 && geteuid () == 0)
    {
      /* root ignores directory permissions: become nobody */
      g_assert_cmpint (setgid (65534), ==, 0);
      g_assert_cmpint (setuid (65534), ==, 0);
    }

  config->memory_mib = 4096;
  g_free (config->os_name);
  config->os_name = g_strnfill (3000, 'x');

  if (g_strcmp0 (how, "fsize") == 0)
    {
      struct rlimit limit = { 64, 64 };

      signal (SIGXFSZ, SIG_IGN);
      g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
    }

  g_assert_false (hg_vm_config_save (config, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_printerr ("%s\n", error->message);
}

static void
run_failing_save (Fixture *f, const char *how)
{
  g_autofree char *path = copy_demo (f);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *before = read_text (path);
  g_autofree char *after = NULL;
  g_autofree char *test_path = g_strdup_printf ("/hangar/config/save-%s", how);

  if (g_strcmp0 (how, "readonly") == 0)
    {
      g_assert_cmpint (g_chmod (f->tmp, 0755), ==, 0);
      g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
    }
  g_setenv ("HANGAR_TEST_CONFIG", path, TRUE);
  g_setenv ("HANGAR_TEST_HOW", how, TRUE);
  g_test_trap_subprocess (test_path, 0, (GTestSubprocessFlags) 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*cannot save*");

  after = read_text (path);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_entries (dir), ==, 1);   /* no temp file left */
  g_chmod (dir, 0755);
}

static void
test_save_readonly (Fixture *f, gconstpointer data)
{
  if (g_test_subprocess ())
    {
      save_in_subprocess ();
      return;
    }
  run_failing_save (f, "readonly");
}

static void
test_save_fsize (Fixture *f, gconstpointer data)
{
  if (g_test_subprocess ())
    {
      save_in_subprocess ();
      return;
    }
  run_failing_save (f, "fsize");
}

static void
test_save_invalid (Fixture *f, gconstpointer data)
{
  g_autofree char *path = copy_demo (f);
  g_autofree char *before = read_text (path);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);

  g_assert_no_error (error);

  /* a label that does not match the file name */
  g_free (config->label);
  config->label = g_strdup ("renamed");
  g_assert_false (hg_vm_config_save (config, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL);
  g_clear_error (&error);
  g_free (config->label);
  config->label = g_strdup ("demo");

  /* a newline where a CLI flag could have put one */
  g_free (config->append);
  config->append = g_strdup ("console=ttyS0\n-incoming exec:sh");
  g_assert_false (hg_vm_config_save (config, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "[boot] append: "));
  g_clear_error (&error);
  g_clear_pointer (&config->append, g_free);

  /* out of range */
  config->memory_mib = 0;
  g_assert_false (hg_vm_config_save (config, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "[machine] memory: "));
  g_clear_error (&error);

  after = read_text (path);
  g_assert_cmpstr (before, ==, after);
}

typedef struct {
  const char   *group;
  const char   *key;
  const char   *value;
  HgConfigError code;
  const char   *err_group;
  const char   *err_key;
  const char   *fragment;
} BadCase;

static const BadCase bad_cases[] = {
  { "machine", "memory", "abc", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "memory",
    "“abc” is not a number of MiB (1–1048576)" },
  { "machine", "memory", "0", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "memory", "“0”" },
  { "machine", "memory", "1048577", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "memory", NULL },
  { "machine", "memory", "-5", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "memory", NULL },
  { "machine", "memory", "512M", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "memory", NULL },
  { "machine", "memory", "99999999999999999999999", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "memory", NULL },
  { "machine", "cpus", "0", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "cpus", "CPUs" },
  { "machine", "cpus", "two", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "cpus", "“two”" },
  { "machine", "cpus", "5000", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "cpus", NULL },
  { "machine", "accel", "xen", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "accel", "auto, kvm or tcg" },
  { "machine", "arch", "vax", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "arch", "riscv64" },
  { "machine", "arch", "x86_64 -enable-kvm", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "arch", NULL },
  { "machine", "arch", NULL, HG_CONFIG_ERROR_MISSING_KEY, "machine", "arch", NULL },
  { "machine", "arch", "", HG_CONFIG_ERROR_MISSING_KEY, "machine", "arch", NULL },
  { "machine", "label", NULL, HG_CONFIG_ERROR_MISSING_KEY, "machine", "label", NULL },
  { "machine", NULL, NULL, HG_CONFIG_ERROR_MISSING_KEY, "machine", NULL, "missing" },
  { "machine", "label", "other", HG_CONFIG_ERROR_INVALID_LABEL, "machine", "label", "bad.hangar" },
  { "machine", "label", "../bad", HG_CONFIG_ERROR_INVALID_LABEL, "machine", "label", NULL },
  { "machine", "label", "-bad", HG_CONFIG_ERROR_INVALID_LABEL, "machine", "label", NULL },
  { "machine", "label", ".bad", HG_CONFIG_ERROR_INVALID_LABEL, "machine", "label", NULL },
  { "machine", "label", "$(touch /tmp/hangar-pwned)", HG_CONFIG_ERROR_INVALID_LABEL, "machine", "label", NULL },
  { "machine", "label", "`touch /tmp/hangar-pwned`", HG_CONFIG_ERROR_INVALID_LABEL, "machine", "label", NULL },
  { "machine", "uuid", "not-a-uuid", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "uuid", "not a UUID" },
  { "machine", "machine", "-incoming exec:touch /tmp/hangar-pwned", HG_CONFIG_ERROR_INVALID_VALUE,
    "machine", "machine", "machine type" },
  { "machine", "machine", "pc,accel=kvm", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "machine", NULL },
  { "machine", "cpu", "max,pmu=off", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "cpu", NULL },
  { "machine", "vga", "voodoo", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "vga", "std" },
  { "machine", "firmware", "efi", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "firmware",
    "bios, uefi or uefi-secure" },
  { "machine", "tpm", "2.0", HG_CONFIG_ERROR_INVALID_VALUE, "machine", "tpm", "true or false" },
  { "guest", "name", "Debian\\nrm -rf /", HG_CONFIG_ERROR_INVALID_VALUE, "guest", "name", "control" },
  { "guest", "name", "Debian\x1b[31m", HG_CONFIG_ERROR_INVALID_VALUE, "guest", "name", "control" },
  { "guest", "name", "bad\\qescape", HG_CONFIG_ERROR_INVALID_VALUE, "guest", "name", NULL },
  { "boot", "append", "quiet\\t-incoming", HG_CONFIG_ERROR_INVALID_VALUE, "boot", "append", "control" },
  { "boot", "append", "quiet\\r", HG_CONFIG_ERROR_INVALID_VALUE, "boot", "append", NULL },
  { "boot", "mode", "network", HG_CONFIG_ERROR_INVALID_VALUE, "boot", "mode", "disk, cdrom, pxe" },
  { "x-unknown", "value", "line\\nbreak", HG_CONFIG_ERROR_INVALID_VALUE, "x-unknown", "value", "control" },
  { "disk:0", "format", "qcow3", HG_CONFIG_ERROR_INVALID_VALUE, "disk:0", "format", "qcow2" },
  { "disk:0", "format", NULL, HG_CONFIG_ERROR_MISSING_KEY, "disk:0", "format", "explicit format" },
  { "disk:0", "path", NULL, HG_CONFIG_ERROR_MISSING_KEY, "disk:0", "path", NULL },
  { "disk:0", "interface", "nvme", HG_CONFIG_ERROR_INVALID_VALUE, "disk:0", "interface", "virtio" },
  { "disk:01", "path", "x.img", HG_CONFIG_ERROR_INVALID_VALUE, "disk:01", NULL, "[disk:0]" },
  { "disk:x", "path", "x.img", HG_CONFIG_ERROR_INVALID_VALUE, "disk:x", NULL, NULL },
  { "disk", "path", "x.img", HG_CONFIG_ERROR_INVALID_VALUE, "disk", NULL, "[disk:0]" },
  { "cdrom:0", "format", "iso", HG_CONFIG_ERROR_INVALID_VALUE, "cdrom:0", "format", NULL },
  { "usb:0", "format", "raw", HG_CONFIG_ERROR_MISSING_KEY, "usb:0", "path", NULL },
  { "net:0", "mode", "bridge", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "mode", "none, user, vde or tap" },
  { "net:0", "mode", NULL, HG_CONFIG_ERROR_MISSING_KEY, "net:0", "mode", NULL },
  { "net:0", "mac", "01:00:5e:00:00:01", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "mac", "MAC address" },
  { "net:0", "mac", "52:54:00:zz:00:01", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "mac", NULL },
  { "net:0", "mac", "52:54:00:00:00:01,vlan=2", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "mac", NULL },
  { "net:0", "hostfwd", "tcp:99999-22", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", "port forward" },
  { "net:0", "hostfwd", "sctp:1-2", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", NULL },
  { "net:0", "hostfwd", "tcp:2222-22,guestfwd=x", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", NULL },
  { "net:0", "hostfwd", "tcp:0.0.0.0,guestfwd=x:1-2", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", "ADDRESS" },
  { "net:0", "hostfwd", "tcp:localhost:2222-22", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", NULL },
  { "net:0", "hostfwd", "tcp:10.0.2:2222-22", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", NULL },
  { "net:0", "hostfwd", "tcp::2222-22", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", NULL },
  { "net:0", "hostfwd", "tcp:1.2.3.256:2222-22", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", NULL },
  { "net:0", "hostfwd", "tcp:010.0.0.1:2222-22", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "hostfwd", NULL },
  { "net:0", "vdeq", "yes", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "vdeq", "true or false" },
  { "net:0", "switch", "../../etc", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "switch", "switch name" },
  { "net:0", "tap", "hgtap0,script=/bin/sh", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "tap", NULL },
  { "net:0", "model", "e1000 -x", HG_CONFIG_ERROR_INVALID_VALUE, "net:0", "model", NULL },
  { "display", "console", "spice", HG_CONFIG_ERROR_INVALID_VALUE, "display", "console", "vnc, sdl" },
  { "display", "keymap", "de us", HG_CONFIG_ERROR_INVALID_VALUE, "display", "keymap", NULL },
  { "serial", "enabled", "yes", HG_CONFIG_ERROR_INVALID_VALUE, "serial", "enabled", NULL },
};

static void
test_errors (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(GString) text = make_config (c->group, c->key, c->value);

      g_test_message ("case %u: [%s] %s=%s", i, c->group, c->key, c->value);
      assert_load_fails (f, text->str, (gssize) text->len, c->code, c->err_group, c->err_key, c->fragment);
    }

  /* and the base itself is fine */
  {
    g_autoptr(GString) text = make_config (NULL, NULL, NULL);
    g_autofree char *path = write_vm (f, "bad", text->str, -1);
    g_autoptr(GError) error = NULL;
    g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (config->nics->len, ==, 1);
  }
}

static void
test_duplicates (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) text = make_config (NULL, NULL, NULL);
  g_autoptr(GString) dup_group = NULL;

  g_string_replace (text, "[machine]\n", "[machine]\nmemory = 4096\n", 1);
  assert_load_fails (f, text->str, -1, HG_CONFIG_ERROR_PARSE, "machine", "memory", "appears twice");

  dup_group = make_config (NULL, NULL, NULL);
  g_string_append (dup_group, "\n[disk:0]\nx-extra=1\n");
  assert_load_fails (f, dup_group->str, -1, HG_CONFIG_ERROR_PARSE, "disk:0", NULL, "appears twice");
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->tmp, "nothing", "nothing.hangar", NULL);
  g_autofree char *fifo_dir = g_build_filename (f->tmp, "fifo", NULL);
  g_autofree char *fifo = g_build_filename (fifo_dir, "fifo.hangar", NULL);
  g_autofree char *dir_as_file = g_build_filename (f->tmp, "d.hangar", NULL);
  g_autofree char *wrong_suffix = g_build_filename (f->tmp, "demo.conf", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (hg_vm_config_load (missing, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* a FIFO must not block the loader */
  g_assert_cmpint (g_mkdir (fifo_dir, 0755), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  g_assert_null (hg_vm_config_load (fifo, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO);
  g_clear_error (&error);

  g_assert_cmpint (g_mkdir (dir_as_file, 0755), ==, 0);
  g_assert_null (hg_vm_config_load (dir_as_file, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (wrong_suffix, "[machine]\nlabel=demo\narch=x86_64\n", -1, NULL));
  g_assert_null (hg_vm_config_load (wrong_suffix, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_IO);
  g_assert_nonnull (strstr (error->message, ".hangar"));
}

static void
test_label_mismatch (Fixture *f, gconstpointer data)
{
  g_autofree char *text = read_text (demo_fixture ());
  g_autofree char *path = write_vm (f, "other", text, -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);

  g_assert_null (config);
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "[machine] label: “demo” does not match the file name “other.hangar”"));
}

static void
test_hostile_accepted (Fixture *f, gconstpointer data)
{
  g_autofree char *pwned = g_build_filename (f->tmp, "pwned", NULL);
  g_autofree char *text = g_strdup_printf (
    "[machine]\nlabel=hostile\narch=x86_64\n"
    "[guest]\nname=$(touch %s)\nversion=`touch %s`\n"
    "[disk:0]\npath=a.img,file.locking=off\nformat=qcow2\n"
    "[disk:1]\npath=-incoming exec:touch %s\nformat=raw\n"
    "[boot]\nappend=console=ttyS0 -incoming exec:touch %s; rm -rf / `id` $HOME\n"
    "[net:0]\nmode=user\nbootfile=$(reboot)\n",
    pwned, pwned, pwned, pwned);
  g_autofree char *path = write_vm (f, "hostile", text, -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load (path, &error);
  g_autoptr(HgVmConfig) again = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *resolved = NULL;
  HgDisk *disk;

  g_assert_no_error (error);
  expected = g_strdup_printf ("$(touch %s)", pwned);
  g_assert_cmpstr (config->os_name, ==, expected);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("`touch %s`", pwned);
  g_assert_cmpstr (config->os_version, ==, expected);

  /* escaping for QEMU is the command line's job: the path loads literally */
  disk = config->disks->pdata[0];
  g_assert_cmpstr (disk->path, ==, "a.img,file.locking=off");
  resolved = hg_vm_config_resolve_path (config, disk->path);
  g_clear_pointer (&expected, g_free);
  expected = g_build_filename (config->dir, "a.img,file.locking=off", NULL);
  g_assert_cmpstr (resolved, ==, expected);

  /* an option-looking relative path becomes an absolute path */
  disk = config->disks->pdata[1];
  g_clear_pointer (&resolved, g_free);
  resolved = hg_vm_config_resolve_path (config, disk->path);
  g_assert_true (g_path_is_absolute (resolved));
  g_assert_true (g_str_has_prefix (resolved, config->dir));

  g_assert_true (g_str_has_prefix (config->append, "console=ttyS0 -incoming exec:touch "));
  g_assert_cmpstr (((HgNic *) config->nics->pdata[0])->bootfile, ==, "$(reboot)");

  /* they survive a save as the same strings */
  g_assert_true (hg_vm_config_save (config, &error));
  g_assert_no_error (error);
  again = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  assert_configs_equal (config, again);

  /* and nothing ran */
  g_assert_false (g_file_test (pwned, G_FILE_TEST_EXISTS));
}

static void
test_non_utf8 (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) text = make_config ("guest", "name", "Deb\xff\xfeian");
  g_autoptr(GString) in_comment = make_config (NULL, NULL, NULL);
  g_autoptr(GString) in_key = make_config (NULL, NULL, NULL);

  assert_load_fails (f, text->str, -1, HG_CONFIG_ERROR_PARSE, "guest", "name", "UTF-8");

  g_string_append (in_comment, "# caf\xe9\n");
  assert_load_fails (f, in_comment->str, -1, HG_CONFIG_ERROR_PARSE, NULL, NULL, "UTF-8");

  g_string_append (in_key, "[x]\nk\xc3\x28=1\n");
  assert_load_fails (f, in_key->str, -1, HG_CONFIG_ERROR_PARSE, NULL, NULL, "UTF-8");
}

static void
test_nul (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) text = make_config ("guest", "name", "Deb@ian");
  char *at = strchr (text->str, '@');

  *at = '\0';
  assert_load_fails (f, text->str, (gssize) text->len, HG_CONFIG_ERROR_PARSE, "guest", "name", "NUL");
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_strnfill (10 * 1024 * 1024, 'A');
  g_autoptr(GString) text = make_config ("guest", "name", big);
  g_autoptr(GString) just_over = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autofree char *value = NULL;

  assert_load_fails (f, text->str, (gssize) text->len, HG_CONFIG_ERROR_PARSE, NULL, NULL, "too large");

  config = hg_vm_config_load_from_data (text->str, text->len, "mem.hangar", &error);
  g_assert_null (config);
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_PARSE);
  g_clear_error (&error);

  /* under the file limit but a known value longer than 4 KiB */
  value = g_strnfill (5000, 'b');
  just_over = make_config ("boot", "kernel", value);
  assert_load_fails (f, just_over->str, -1, HG_CONFIG_ERROR_INVALID_VALUE, "boot", "kernel", "4096");
}

static void
test_syntax (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) text = make_config (NULL, NULL, NULL);

  g_string_append (text, "this line is not a key\n");
  assert_load_fails (f, text->str, -1, HG_CONFIG_ERROR_PARSE, NULL, NULL, "not a valid config file");
  assert_load_fails (f, "", 0, HG_CONFIG_ERROR_MISSING_KEY, "machine", NULL, NULL);
}

static void
test_uuid_derived (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) text = make_config ("machine", "uuid", NULL);
  g_autofree char *path = write_vm (f, "bad", text->str, -1);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) one = hg_vm_config_load (path, &error);
  g_autoptr(HgVmConfig) two = NULL;
  g_autoptr(HgVmConfig) three = NULL;
  g_autofree char *saved = NULL;

  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (one->uuid));
  two = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (one->uuid, ==, two->uuid);

  g_assert_true (hg_vm_config_save (one, &error));
  g_assert_no_error (error);
  saved = read_text (path);
  g_assert_nonnull (strstr (saved, one->uuid));
  three = hg_vm_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (three->uuid, ==, one->uuid);
}

static void
test_from_data (void)
{
  g_autoptr(GString) text = make_config (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmConfig) again = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  /* no .hangar name: no path, no file name check */
  config = hg_vm_config_load_from_data (text->str, text->len, "fixture data", &error);
  g_assert_no_error (error);
  g_assert_null (config->path);
  g_assert_null (config->dir);

  data = hg_vm_config_to_data (config, &length);
  again = hg_vm_config_load_from_data (data, length, NULL, &error);
  g_assert_no_error (error);
  assert_configs_equal (config, again);
  g_clear_pointer (&again, hg_vm_config_unref);

  /* a .hangar name must match the label */
  again = hg_vm_config_load_from_data (text->str, text->len, "/x/demo/demo.hangar", &error);
  g_assert_null (again);
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_INVALID_LABEL);
  g_assert_true (g_str_has_prefix (error->message, "/x/demo/demo.hangar: [machine] label: "));
  g_clear_error (&error);

  again = hg_vm_config_load_from_data (text->str, text->len, "/x/bad/bad.hangar", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->dir, ==, "/x/bad");
}

static void
test_resolve_path (void)
{
  g_autoptr(HgVmConfig) config = hg_vm_config_new ("demo");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;

  hg_vm_config_set_location (config, "/vms/demo");
  g_assert_cmpstr (config->path, ==, "/vms/demo/demo.hangar");
  a = hg_vm_config_resolve_path (config, "disk.qcow2");
  g_assert_cmpstr (a, ==, "/vms/demo/disk.qcow2");
  b = hg_vm_config_resolve_path (config, "../iso/debian.iso");
  g_assert_cmpstr (b, ==, "/vms/iso/debian.iso");
  c = hg_vm_config_resolve_path (config, "/srv/x.img");
  g_assert_cmpstr (c, ==, "/srv/x.img");
  g_assert_null (hg_vm_config_resolve_path (config, NULL));
  g_assert_null (hg_vm_config_resolve_path (config, ""));
}

static void
test_boxed (void)
{
  g_autoptr(HgVmConfig) config = hg_vm_config_new (NULL);
  HgVmConfig *copy;
  g_autoptr(GError) error = NULL;

  copy = g_boxed_copy (HG_TYPE_VM_CONFIG, config);
  g_assert_true (copy == config);
  g_boxed_free (HG_TYPE_VM_CONFIG, copy);

  /* no label yet */
  g_assert_false (hg_vm_config_validate (config, &error));
  g_assert_error (error, HG_CONFIG_ERROR, HG_CONFIG_ERROR_MISSING_KEY);
}

/* firmware and tpm: read, kept as written, written only when set */
static void
test_firmware_keys (void)
{
  static const char text[] = "[machine]\nlabel=t\narch=x86_64\nfirmware=uefi-secure\ntpm=true\n";
  static const char plain[] = "[machine]\nlabel=t\narch=x86_64\n";
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVmConfig) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *data2 = NULL;

  config = hg_vm_config_load_from_data (text, sizeof text - 1, "t.hangar", &error);
  g_assert_no_error (error);
  g_assert_cmpint (config->firmware, ==, HG_FIRMWARE_UEFI_SECURE);
  g_assert_true (config->tpm);
  data = hg_vm_config_to_data (config, NULL);
  g_assert_nonnull (strstr (data, "firmware=uefi-secure\n"));
  g_assert_nonnull (strstr (data, "tpm=true\n"));

  /* the defaults add no key to a file that had none */
  other = hg_vm_config_load_from_data (plain, sizeof plain - 1, "t.hangar", &error);
  g_assert_no_error (error);
  g_assert_cmpint (other->firmware, ==, HG_FIRMWARE_BIOS);
  g_assert_false (other->tpm);
  data2 = hg_vm_config_to_data (other, NULL);
  g_assert_null (strstr (data2, "firmware="));
  g_assert_null (strstr (data2, "tpm="));
}

/* The strings of every enum are its GEnum nicks, and they are the strings
 * that .hangar files (and hangarctl) have always used: each value to its
 * string and back, and nothing else accepted. */
#define CHECK_NICKS(TYPE, to_string, Type, ...)                              \
  G_STMT_START {                                                             \
    const char *const want[] = { __VA_ARGS__ };                              \
    g_autoptr(GEnumClass) klass = g_type_class_ref (TYPE);                   \
                                                                             \
    g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (want));             \
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)                          \
      {                                                                      \
        g_assert_cmpstr (g_enum_get_value (klass, i)->value_nick, ==, want[i]); \
        g_assert_cmpstr (to_string ((Type) i), ==, want[i]);                 \
      }                                                                      \
  } G_STMT_END

#define CHECK_ROUND_TRIP(TYPE, to_string, from_string, Type, ...)            \
  G_STMT_START {                                                             \
    const char *const names[] = { __VA_ARGS__ };                              \
    Type value;                                                              \
                                                                             \
    CHECK_NICKS (TYPE, to_string, Type, __VA_ARGS__);                        \
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)                          \
      {                                                                      \
        value = (Type) 77;                                                   \
        g_assert_true (from_string (names[i], &value));                       \
        g_assert_cmpint (value, ==, i);                                      \
        g_assert_cmpstr (to_string (value), ==, names[i]);                    \
      }                                                                      \
    value = (Type) 77;                                                       \
    g_assert_false (from_string ("bogus", &value));                          \
    g_assert_false (from_string ("", &value));                               \
    g_assert_false (from_string (NULL, &value));                             \
    g_assert_false (from_string ("KVM", &value));                            \
    g_assert_cmpint (value, ==, 77);                                         \
    g_assert_null (to_string ((Type) G_N_ELEMENTS (names)));                  \
  } G_STMT_END

static void
test_enum_strings (void)
{
  CHECK_ROUND_TRIP (HG_TYPE_ACCEL, hg_accel_to_string, hg_accel_from_string, HgAccel,
                    "auto", "kvm", "tcg");
  CHECK_ROUND_TRIP (HG_TYPE_BOOT_MODE, hg_boot_mode_to_string, hg_boot_mode_from_string,
                    HgBootMode, "disk", "cdrom", "pxe", "kernel", "floppy", "usb");
  CHECK_ROUND_TRIP (HG_TYPE_NET_MODE, hg_net_mode_to_string, hg_net_mode_from_string,
                    HgNetMode, "none", "user", "vde", "tap");
  CHECK_ROUND_TRIP (HG_TYPE_CONSOLE, hg_console_to_string, hg_console_from_string,
                    HgConsole, "vnc", "sdl", "serial", "none");
  CHECK_ROUND_TRIP (HG_TYPE_FIRMWARE_KIND, hg_firmware_kind_to_string,
                    hg_firmware_kind_from_string, HgFirmwareKind, "bios", "uefi", "uefi-secure");
  CHECK_ROUND_TRIP (HG_TYPE_IMAGE_MODE, hg_image_mode_to_string, hg_image_mode_from_string,
                    HgImageMode, "in-place", "copy", "convert");
  CHECK_ROUND_TRIP (HG_TYPE_INSTALL_SOURCE, hg_install_source_to_string,
                    hg_install_source_from_string, HgInstallSource,
                    "iso", "pxe", "kernel", "existing-disk", "none");
  CHECK_NICKS (HG_TYPE_MEDIUM_KIND, hg_medium_kind_to_string, HgMediumKind,
               "cdrom", "floppy", "usb");
  g_assert_null (hg_medium_kind_to_string ((HgMediumKind) 3));
  CHECK_NICKS (HG_TYPE_VM_STATE, hg_vm_state_to_string, HgVmState,
               "stopped", "starting", "running", "paused", "shutting-down", "crashed");
  g_assert_cmpstr (hg_vm_state_to_string ((HgVmState) 6), ==, "unknown");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/hangar/config/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/hangar/config/label", test_label);
  g_test_add_func ("/hangar/config/mac", test_mac);
  g_test_add_func ("/hangar/config/resolve-path", test_resolve_path);
  g_test_add_func ("/hangar/config/from-data", test_from_data);
  g_test_add_func ("/hangar/config/boxed", test_boxed);
  g_test_add_func ("/hangar/config/enum-strings", test_enum_strings);
  g_test_add_func ("/hangar/config/firmware-keys", test_firmware_keys);
  ADD ("new", test_new);
  ADD ("round-trip", test_round_trip);
  ADD ("removed-groups", test_removed_groups);
  ADD ("hostfwd-address", test_hostfwd_address);
  ADD ("save-readonly", test_save_readonly);
  ADD ("save-fsize", test_save_fsize);
  ADD ("save-invalid", test_save_invalid);
  ADD ("errors", test_errors);
  ADD ("duplicates", test_duplicates);
  ADD ("missing-file", test_missing_file);
  ADD ("label-mismatch", test_label_mismatch);
  ADD ("hostile-accepted", test_hostile_accepted);
  ADD ("non-utf8", test_non_utf8);
  ADD ("nul", test_nul);
  ADD ("too-large", test_too_large);
  ADD ("syntax", test_syntax);
  ADD ("uuid-derived", test_uuid_derived);

  return g_test_run ();
}
