from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from anxin.core.errors import ServiceError
from anxin.demo import (
    oversight_opinion,
    oversight_stats,
    oversight_supervision,
    reminders,
    surveys,
    wellbeing,
)
from anxin.demo.city import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DemoResult,
    demo_load,
    demo_state,
    demo_totp_code,
    format_logins,
    logins_path,
    read_logins,
    write_logins,
)

COUNT_LABELS = {
    "units": "单位",
    "school_profiles": "学校信息",
    "users": "账号",
    "role_assignments": "岗位",
    "committee_members": "委员会成员",
    "students": "学生",
    "guardians": "监护人",
    "key_group_flags": "重点群体标记",
    "cases": "案件",
    "ledger_rows": "台账记录",
}


class Command(BaseCommand):
    help = (
        "载入演示城市：区县、学校、年级、班级、教职工账号、欺凌治理委员会、学生及其监护人（全部为虚构数据）。"
        "同一 --seed 每次生成相同的数据。数据库中已有非演示数据时拒绝载入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（默认 2026）")
        parser.add_argument("--districts", type=int, default=3, help="区县数（默认 3）")
        parser.add_argument("--schools", type=int, default=4, help="每个区县的学校数（默认 4）")
        parser.add_argument("--classes-per-grade", type=int, default=3, help="每个年级的班级数（默认 3）")
        parser.add_argument("--students-per-class", type=int, default=40, help="每个班的学生数（默认 40）")
        parser.add_argument(
            "--no-cases",
            action="store_true",
            help="不生成演示案件（案件的审计记录指向演示数据，有案件的演示城市不能用 --reset 原地重置）",
        )
        parser.add_argument(
            "--no-ledgers",
            action="store_true",
            help="不生成一个学期的演示台账（台账的审计记录同样指向演示数据，有台账的演示城市不能用 --reset 原地重置）",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库为空时才载入；已有演示城市时只显示登录信息（make run 使用）",
        )
        mode.add_argument(
            "--reset", action="store_true", help="删除现有的演示城市并重新载入（仅限演示数据库）"
        )
        mode.add_argument(
            "--code",
            metavar="USERNAME",
            help="显示该演示账号此刻的两步验证码（仅限演示数据库），代替手机上的验证器应用",
        )

    def _progress(self, message: str) -> None:
        self.stderr.write(message, style_func=lambda text: text)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            try:
                self.stdout.write(demo_totp_code(options["code"]))
            except ServiceError as exc:
                raise CommandError(exc.message, returncode=2) from exc
            return
        if options["if_empty"]:
            state = demo_state()
            if state == "demo":
                self.stdout.write(_("数据库中已有演示城市，跳过载入。"))
                self._show_logins()
                return
            if state == "other":
                self.stderr.write(_("数据库中已有非演示数据，不载入演示城市。"), style_func=lambda text: text)
                return
        self._progress(_("正在生成演示城市，请稍候……"))
        try:
            result = demo_load(
                seed=options["seed"],
                districts=options["districts"],
                schools=options["schools"],
                classes_per_grade=options["classes_per_grade"],
                students_per_class=options["students_per_class"],
                reset=options["reset"],
                progress=self._progress,
                cases=not options["no_cases"],
                ledgers=not options["no_ledgers"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        if not options["no_cases"]:  # like the cases, its audit trail names demo people: no reset
            oversight_supervision.build(self.stdout)
        oversight_opinion.build(self.stdout)
        reminders.build(self.stdout)
        surveys.build(self.stdout)
        wellbeing.build(self.stdout)
        oversight_stats.build(self.stdout)  # last: the bureau's figures count everything made above
        path = write_logins(result.logins)
        self._report(result)
        self.stdout.write(_("登录信息已写入 %(path)s") % {"path": path})

    def _report(self, result: DemoResult) -> None:
        counts = "，".join(f"{COUNT_LABELS.get(k, k)} {v:,}" for k, v in result.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                _("演示城市已载入（种子 %(seed)s）：%(counts)s；共 %(rows)s 行，用时 %(seconds).1f 秒。")
                % {
                    "seed": result.seed,
                    "counts": counts,
                    "rows": f"{result.rows:,}",
                    "seconds": result.elapsed,
                }
            )
        )
        self._print_table(result.logins)

    def _show_logins(self) -> None:
        logins = read_logins()
        if logins is None:
            self.stdout.write(
                _("找不到登录信息文件 %(path)s。所有演示账号的密码都是 %(password)s，例如用户名 city_admin。")
                % {"path": logins_path(), "password": DEMO_PASSWORD}
            )
            return
        self._print_table(logins)
        if not any(login.totp_secret for login in logins):
            # Made by a version before two-step login and the term of 台账: its administrators must
            # enrol at first login, and its ledgers are empty.
            self.stdout.write(
                _(
                    "这个演示城市由旧版本生成（没有两步验证密钥和一学期的台账记录）。"
                    "要看新版演示城市：删除 %(db)s 后重新运行 make run。"
                )
                % {"db": "var/anxin.sqlite3"}
            )

    def _print_table(self, logins: list[Any]) -> None:
        self.stdout.write("")
        self.stdout.write(_("演示账号（所有账号密码均为 %(password)s）：") % {"password": DEMO_PASSWORD})
        self.stdout.write(format_logins(logins))
        self.stdout.write("")
        self.stdout.write(
            _(
                "另有每个班级的班主任账号（用户名 ct_<学校代码>_<年级>_<班号>）和每所学校的各岗位账号，密码相同。"
            )
        )
        self.stdout.write(
            _(
                "市、县/区管理员，校长和欺凌治理委员会成员登录时还要输入两步验证码：把上表的密钥手动添加到"
                "验证器应用（基于时间，6 位），或运行 anxin demo --code 用户名 显示当前验证码。"
            )
        )
