/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ctys"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "hg-ctys-map-private.h"

/* ------------------------------------------------------------------------
 * The mapping, group by group: machine, guest, display
 * ------------------------------------------------------------------------ */

void
_hg_ctys_map_machine (HgCtysMap *m)
{
  HgVmConfig *cfg = m->cfg;
  HgCtysVar *starter = _hg_ctys_map_take (m, "STARTERCALL");
  HgCtysVar *arch = _hg_ctys_map_take (m, "ARCH");
  HgCtysVar *accel = _hg_ctys_map_take (m, "ACCELERATOR");
  HgCtysVar *cpu = _hg_ctys_map_take (m, "CPU");
  HgCtysVar *mem = _hg_ctys_map_take (m, "MEMSIZE");
  HgCtysVar *smp = _hg_ctys_map_take (m, "SMP");
  HgCtysVar *uuid = _hg_ctys_map_take (m, "UUID");
  const HgCtysArchAlias *alias = NULL;
  const char *starter_arch = NULL;
  gboolean starter_kvm = FALSE;

  if (uuid == NULL)
    uuid = _hg_ctys_map_take_meta (m, "UUID");
  if (uuid != NULL && uuid->value[0] != '\0')
    {
      g_autofree char *u = _hg_ctys_map_normalize_uuid (uuid->value);

      if (u != NULL && m->imp->uuid_taken_by != NULL)
        {
          /* never a second VM with the same identity */
          if (m->imp->uuid_renewed == NULL)
            m->imp->uuid_renewed = g_uuid_string_random ();
          _hg_ctys_map_set_str (&cfg->uuid, m->imp->uuid_renewed);
          info (m, uuid->line, uuid->name, uuid->value,
                _("already the uuid of %s: the imported VM gets the new uuid %s"),
                m->imp->uuid_taken_by, m->imp->uuid_renewed);
        }
      else if (u != NULL)
        _hg_ctys_map_set_str (&cfg->uuid, u);
      else
        _hg_ctys_map_reject (m, uuid, _("not a UUID"));
    }

  if (starter != NULL)
    {
      starter_arch = _hg_ctys_map_arch_from_starter (starter->value, &starter_kvm);
      if (starter_arch == NULL)
        _hg_ctys_map_reject (m, starter, _("not a QEMU system emulator Hangar knows "
                              "(qemu-system-<arch>, qemu, kvm, qemu-kvm)"));
      else
        info (m, starter->line, starter->name, starter->value,
              _("architecture %s; Hangar picks the emulator itself"), starter_arch);
    }
  if (arch != NULL)
    {
      alias = _hg_ctys_map_arch_lookup (arch->value);
      if (alias == NULL && starter_arch == NULL)
        _hg_ctys_map_reject (m, arch, _("not an architecture Hangar knows"));
      else if (alias == NULL)
        info (m, arch->line, arch->name, arch->value,
              _("not an architecture name; STARTERCALL gives %s"), starter_arch);
      else if (starter_arch != NULL && strcmp (alias->arch, starter_arch) != 0)
        {
          info (m, arch->line, arch->name, arch->value,
                _("means %s, but STARTERCALL runs %s; %s kept"),
                alias->arch, starter_arch, starter_arch);
          alias = NULL;
        }
    }

  if (starter_arch != NULL)
    _hg_ctys_map_set_str (&cfg->arch, starter_arch);
  else if (alias != NULL)
    _hg_ctys_map_set_str (&cfg->arch, alias->arch);
  else
    {
      _hg_ctys_map_set_str (&cfg->arch, "x86_64");
      info (m, 0, NULL, NULL, _("neither STARTERCALL nor ARCH names the architecture; "
                                "x86_64 assumed"));
    }

  if (alias != NULL && alias->machine != NULL)
    {
      _hg_ctys_map_set_str (&cfg->machine, alias->machine);
      info (m, arch->line, arch->name, arch->value,
            _("machine %s (the board QEMU emulates for it)"), alias->machine);
    }
  else if (strcmp (cfg->arch, "arm") == 0 && cfg->machine == NULL)
    {
      /* ctys' ARM examples relied on QEMU's default board of the time */
      _hg_ctys_map_set_str (&cfg->machine, "integratorcp");
      info (m, starter ? starter->line : 0, starter ? starter->name : NULL, NULL,
            _("machine integratorcp: QEMU's default ARM board when ctys was written "
              "(the QEMU arm-test kernel zImage.integrator needs it)"));
    }

  if (cpu != NULL)
    {
      g_autofree char *v = _hg_ctys_map_trimmed (cpu->value);

      if (v[0] == '\0')
        ;
      else if (_hg_ctys_map_is_token (v, "+", 64))
        _hg_ctys_map_set_str (&cfg->cpu_model, v);
      else
        _hg_ctys_map_reject (m, cpu, _("not a CPU model name"));
    }
  if (cfg->cpu_model == NULL && alias != NULL && alias->cpu != NULL)
    {
      _hg_ctys_map_set_str (&cfg->cpu_model, alias->cpu);
      info (m, arch->line, arch->name, arch->value, _("CPU model %s"), alias->cpu);
    }

  if (accel != NULL)
    {
      g_autofree char *v = _hg_ctys_map_trimmed (accel->value);

      if (g_ascii_strcasecmp (v, "KVM") == 0)
        cfg->accel = HG_ACCEL_KVM;
      else if (g_ascii_strcasecmp (v, "QEMU") == 0 || g_ascii_strcasecmp (v, "TCG") == 0 ||
               g_ascii_strcasecmp (v, "NONE") == 0)
        cfg->accel = HG_ACCEL_TCG;
      else if (g_ascii_strcasecmp (v, "KQEMU") == 0)
        {
          cfg->accel = HG_ACCEL_TCG;
          info (m, accel->line, accel->name, accel->value,
                _("KQEMU no longer exists; plain emulation (tcg) used"));
        }
      else if (g_ascii_strcasecmp (v, "AUTO") == 0 || v[0] == '\0')
        cfg->accel = HG_ACCEL_AUTO;
      else
        _hg_ctys_map_reject (m, accel, _("not KVM, QEMU or KQEMU"));
    }
  else if (starter_kvm)
    cfg->accel = HG_ACCEL_KVM;

  if (mem != NULL)
    {
      guint mib;

      if (_hg_ctys_map_parse_mib (mem->value, &mib))
        cfg->memory_mib = mib;
      else
        _hg_ctys_map_reject (m, mem, _("not a memory size in MiB (e.g. 512, 512M, 2G)"));
    }

  if (smp != NULL)
    {
      g_autofree char *v = _hg_ctys_map_trimmed (smp->value);
      guint64 n = 0;
      char *end = NULL;

      if (g_ascii_isdigit (v[0]))
        n = g_ascii_strtoull (v, &end, 10);
      if (n == 0 || n > HG_CONFIG_MAX_CPUS)
        _hg_ctys_map_reject (m, smp, _("not a CPU count (1–%u)"), HG_CONFIG_MAX_CPUS);
      else
        {
          cfg->cpus = (guint) n;
          if (end != NULL && *end != '\0')
            info (m, smp->line, smp->name, smp->value,
                  _("only the CPU count (%u) is kept"), cfg->cpus);
        }
    }
}

void
_hg_ctys_map_guest (HgCtysMap *m)
{
  static const char *const distrel_names[] = { "DISTREL", "RELEASE", NULL };
  static const char *const osrel_names[] = { "OSREL", "OSVERSION", NULL };
  static const char *const ip_names[] = { "IP", "IP0", NULL };
  HgVmConfig *cfg = m->cfg;
  HgCtysVar *dist = _hg_ctys_map_take (m, "DIST");
  HgCtysVar *distrel = _hg_ctys_map_take_first (m, distrel_names);
  HgCtysVar *os = _hg_ctys_map_take (m, "OS");
  HgCtysVar *osrel = _hg_ctys_map_take_first (m, osrel_names);
  HgCtysVar *ip = _hg_ctys_map_take_first (m, ip_names);
  HgCtysVar *mask = _hg_ctys_map_take (m, "NETMASK");

  dist = dist ? dist : _hg_ctys_map_take_meta (m, "DIST");
  distrel = distrel ? distrel : _hg_ctys_map_take_meta (m, "DISTREL");
  os = os ? os : _hg_ctys_map_take_meta (m, "OS");
  osrel = osrel ? osrel : _hg_ctys_map_take_meta (m, "OSREL");
  ip = ip ? ip : _hg_ctys_map_take_meta (m, "IP0");
  ip = ip ? ip : _hg_ctys_map_take_meta (m, "IP");

  if (dist != NULL && dist->value[0] != '\0')
    {
      _hg_ctys_map_set_str (&cfg->os_name, dist->value);
      if (distrel != NULL)
        _hg_ctys_map_set_str (&cfg->os_version, distrel->value);
      if (osrel != NULL && osrel->value[0] != '\0')
        g_key_file_set_string (m->extra, GROUP_GUEST, "os-release", osrel->value);
    }
  else if (os != NULL && os->value[0] != '\0')
    {
      _hg_ctys_map_set_str (&cfg->os_name, os->value);
      if (osrel != NULL)
        _hg_ctys_map_set_str (&cfg->os_version, osrel->value);
      if (distrel != NULL && distrel->value[0] != '\0')
        g_key_file_set_string (m->extra, GROUP_GUEST, "os-release", distrel->value);
    }
  else
    {
      if (distrel != NULL && distrel->value[0] != '\0')
        _hg_ctys_map_reject (m, distrel, _("a release without DIST or OS"));
      if (osrel != NULL && osrel->value[0] != '\0')
        _hg_ctys_map_reject (m, osrel, _("a release without DIST or OS"));
    }
  if (os != NULL && os->value[0] != '\0')
    {
      g_autofree char *family = g_ascii_strdown (os->value, -1);

      _hg_ctys_map_set_str (&cfg->os_family, g_strstrip (family));
    }

  if (ip != NULL && ip->value[0] != '\0')
    {
      g_autofree char *v = _hg_ctys_map_trimmed (ip->value);

      if (g_hostname_is_ip_address (v))
        g_key_file_set_string (m->extra, GROUP_GUEST, "ip", v);
      else
        _hg_ctys_map_reject (m, ip, _("not an IP address"));
    }
  if (mask != NULL && mask->value[0] != '\0')
    {
      g_autofree char *v = _hg_ctys_map_trimmed (mask->value);

      if (g_hostname_is_ip_address (v))
        g_key_file_set_string (m->extra, GROUP_GUEST, "netmask", v);
      else
        _hg_ctys_map_reject (m, mask, _("not a netmask"));
    }
}

void
_hg_ctys_map_display (HgCtysMap *m)
{
  static const char *const vga_names[] = { "VGA_DRIVER", "VGADRIVER", NULL };
  HgVmConfig *cfg = m->cfg;
  HgCtysVar *vga = _hg_ctys_map_take_first (m, vga_names);
  HgCtysVar *console = _hg_ctys_map_take (m, "CONSOLE");
  HgCtysVar *kbd = _hg_ctys_map_take (m, "KBD_LAYOUT");

  if (vga != NULL)
    {
      g_autofree char *v = _hg_ctys_map_trimmed (vga->value);
      g_auto(GStrv) words = g_strsplit_set (v, " \t", -1);
      const char *model = NULL;
      gboolean nographic = FALSE, bad = FALSE;

      for (guint i = 0; words[i] != NULL; i++)
        {
          const char *w = words[i];

          if (w[0] == '\0')
            continue;
          if (strcmp (w, "-nographic") == 0)
            nographic = TRUE;
          else if (strcmp (w, "-std-vga") == 0)
            model = "std";
          else if (strcmp (w, "-vga") == 0 && words[i + 1] != NULL)
            model = words[++i];
          else if (g_str_has_prefix (w, "-vga="))
            model = w + strlen ("-vga=");
          else if (w[0] != '-' && model == NULL)
            model = w;
          else
            bad = TRUE;
        }

      if (bad || (model != NULL && !_hg_ctys_map_is_vga_type (model)))
        _hg_ctys_map_reject (m, vga,
                             _("not a QEMU display adapter (-vga TYPE, -std-vga or -nographic)"));
      else if (nographic)
        {
          _hg_ctys_map_set_str (&cfg->vga, "none");
          cfg->console = HG_CONSOLE_SERIAL;
          info (m, vga->line, vga->name, vga->value,
                _("no graphics: vga none, console on the serial port"));
        }
      else if (model != NULL)
        _hg_ctys_map_set_str (&cfg->vga, model);
    }

  if (console != NULL)
    {
      g_autofree char *v = _hg_ctys_map_trimmed (console->value);

      if (g_ascii_strcasecmp (v, "VNC") == 0)
        cfg->console = HG_CONSOLE_VNC;
      else if (g_ascii_strcasecmp (v, "SDL") == 0)
        cfg->console = HG_CONSOLE_SDL;
      else if (g_ascii_strncasecmp (v, "CLI", 3) == 0 || g_ascii_strcasecmp (v, "XTERM") == 0 ||
               g_ascii_strcasecmp (v, "GTERM") == 0 || g_ascii_strncasecmp (v, "EMACS", 5) == 0)
        cfg->console = HG_CONSOLE_SERIAL;
      else if (v[0] != '\0')
        _hg_ctys_map_reject (m, console,
                             _("not a ctys console type (VNC, SDL, CLI, XTERM, GTERM, EMACS)"));
    }

  if (kbd != NULL && kbd->value[0] != '\0')
    {
      g_autofree char *v = _hg_ctys_map_trimmed (kbd->value);

      if (_hg_ctys_map_is_token (v, NULL, 16))
        _hg_ctys_map_set_str (&cfg->keymap, v);
      else
        _hg_ctys_map_reject (m, kbd, _("not a keyboard layout name"));
    }
}
