use super::*;

fn parse(text: &str) -> Script {
    parse_script("x.sh", text, 1, ScriptRole::Plain, &ParseLimits::default())
}

fn cmd<'a>(s: &'a Script, program: &str) -> &'a Command {
    s.commands
        .iter()
        .find(|c| c.program == program)
        .unwrap_or_else(|| panic!("no {program} in {:#?}", s.commands))
}

#[test]
fn strict_options_from_set_and_shebang() {
    let s = parse("#!/bin/bash\n# comment\n\nset -euo pipefail\necho hi\n");
    assert!(s.final_options().strict());
    assert_eq!(s.sets[0].line, 4);
    assert!(!s.options_at(0, 3).errexit);

    let s = parse("#!/bin/bash -e\nset -o nounset -o pipefail\n");
    assert!(s.final_options().strict());
    assert!(s.sets[0].from_shebang);

    let s = parse("#!/bin/bash\nset -e\nset +e\nfoo\n");
    assert!(!s.final_options().errexit);
    assert_eq!(cmd(&s, "foo").status, Status::Unchecked);

    // A `set` inside a function does not hold for the script.
    let s = parse("f() {\n  set -euo pipefail\n}\n");
    assert!(!s.final_options().errexit);
}

#[test]
fn resolves_the_program_and_keeps_lines() {
    let s =
        parse("#!/bin/sh\n\nsudo -u app env A=1 /usr/bin/curl -fsSL \\\n  https://x/y -o /tmp/y\n");
    let c = cmd(&s, "curl");
    assert_eq!((c.line, c.end_line), (3, 4));
    assert_eq!(c.args(), vec!["-fsSL", "https://x/y", "-o", "/tmp/y"]);
    assert_eq!(c.arg_lines[1], 4);
    assert_eq!(c.words[0], "sudo");
}

#[test]
fn status_checks() {
    let s = parse(
        "terraform apply -auto-approve || rollback\n\
         a && b\n\
         if grep -q x f; then c; fi\n\
         while ping -c1 h; do d; done\n\
         e\n\
         if [ $? -ne 0 ]; then exit 1; fi\n\
         g\n",
    );
    assert_eq!(cmd(&s, "terraform").status, Status::Explicit);
    assert_eq!(cmd(&s, "rollback").status, Status::Unchecked);
    assert_eq!(cmd(&s, "a").status, Status::Explicit);
    assert_eq!(cmd(&s, "b").status, Status::Unchecked);
    assert_eq!(cmd(&s, "grep").status, Status::Explicit);
    assert!(cmd(&s, "grep").condition);
    assert_eq!(cmd(&s, "c").status, Status::Unchecked);
    assert_eq!(cmd(&s, "ping").status, Status::Explicit);
    assert_eq!(cmd(&s, "e").status, Status::Explicit);
    assert_eq!(cmd(&s, "g").status, Status::Unchecked);
}

#[test]
fn errexit_and_pipelines() {
    let s = parse("set -e\ncurl x | sh\nfoo\n");
    assert_eq!(cmd(&s, "curl").status, Status::Unchecked);
    assert_eq!(cmd(&s, "sh").status, Status::Errexit);
    assert_eq!(cmd(&s, "foo").status, Status::Errexit);
    let p = cmd(&s, "curl").pipeline.unwrap();
    assert_eq!((p.index, p.len), (0, 2));
    assert_eq!(s.pipeline_of(cmd(&s, "curl")).len(), 2);

    let s = parse("set -eo pipefail\ncurl x | sh\n");
    assert_eq!(cmd(&s, "curl").status, Status::Errexit);
}

#[test]
fn loops_functions_and_retry_shapes() {
    let s = parse(
        "for i in 1 2 3; do curl -f x && break; sleep 5; done\n\
         for h in a b; do curl $h; done\n\
         retry() { wget \"$@\"; }\n\
         until curl -sf http://x/health; do :; done\n",
    );
    let curls: Vec<&Command> = s.commands_of("curl").collect();
    assert!(s.in_retry(curls[0]));
    assert!(!s.in_retry(curls[1]));
    assert!(s.in_retry(cmd(&s, "wget")));
    assert_eq!(s.functions[0].name, "retry");
    assert!(s.in_retry(curls[2]));
    assert_eq!(s.loops[2].kind, LoopKind::Until);
}

#[test]
fn traps_and_heredocs() {
    let s = parse(
        "trap 'rollback' ERR EXIT\n\
         cat <<'EOF' | sudo tee -a /etc/ssh/sshd_config\n\
         PasswordAuthentication no\n\
         EOF\n\
         echo done\n",
    );
    assert_eq!(s.traps[0].signals, vec!["ERR", "EXIT"]);
    assert_eq!(s.traps[0].action, "rollback");
    let h = &s.heredocs[0];
    assert!(h.body.contains("PasswordAuthentication no"));
    assert_eq!(h.span.start, 3);
    let cat = cmd(&s, "cat");
    assert_eq!(cat.heredoc, Some(0));
    let tee = cmd(&s, "tee");
    assert_eq!(tee.args(), vec!["-a", "/etc/ssh/sshd_config"]);
    assert_eq!(tee.pipeline.unwrap().index, 1);
    assert_eq!(cmd(&s, "echo").line, 5);
}

#[test]
fn redirects_and_substitutions() {
    let s = parse(
        "exec > >(tee -a /var/log/user-data.log) 2>&1\nX=$(curl -s x)\necho hi >> /var/log/a.log\n",
    );
    let exec = cmd(&s, "exec");
    assert_eq!(exec.redirects[0].target, ">(tee -a /var/log/user-data.log)");
    assert!(cmd(&s, "tee").substitution);
    assert!(cmd(&s, "curl").substitution);
    let echo = cmd(&s, "echo");
    assert_eq!(echo.redirects[0].op, ">>");
    assert_eq!(echo.redirects[0].target, "/var/log/a.log");
}

/// The walks for substitutions and `$?` are skipped on text without their
/// openers; every opener must still be found, at any depth.
#[test]
fn every_substitution_form_and_status_read_is_seen() {
    let s = parse(
        "A=`whoami`\n\
         diff <(sort a) b\n\
         cat x > >(gzip > y)\n\
         echo \"$(date) in \\\"$(hostname)\\\"\"\n\
         for f in $(ls /etc); do :; done\n\
         deploy\n\
         [ \"${?}\" -eq 0 ] || exit 1\n\
         build\n\
         echo 'no $? here'\n",
    );
    for p in ["whoami", "sort", "gzip", "date", "hostname", "ls"] {
        assert!(cmd(&s, p).substitution, "{p} is in a substitution");
    }
    assert!(!cmd(&s, "diff").substitution);
    assert_eq!(cmd(&s, "deploy").status, Status::Explicit);
    // A quoted `$?` is text, not a read of the status.
    assert_eq!(cmd(&s, "build").status, Status::Unchecked);
}

#[test]
fn nested_scripts_in_ssh_bash_c_and_ssm() {
    let s = parse(
        "ssh -o StrictHostKeyChecking=no ec2-user@host \\\n  \"cd /opt && docker-compose pull && docker-compose up -d\"\n\
         sudo bash -c 'apt-get update'\n\
         aws ssm send-command --parameters 'commands=[\"cd /opt\",\"docker pull '\"$REPO\"':latest\"]'\n",
    );
    let up = s
        .commands
        .iter()
        .find(|c| {
            c.program == "docker-compose" && c.args().first().map(String::as_str) == Some("up")
        })
        .unwrap();
    assert_eq!(up.nested.as_deref(), Some("ssh"));
    assert_eq!(up.line, 2);
    assert_eq!(cmd(&s, "apt-get").nested.as_deref(), Some("bash -c"));
    let pull = s.commands.iter().find(|c| c.program == "docker").unwrap();
    assert_eq!(pull.nested.as_deref(), Some("ssm"));
    assert_eq!(pull.args(), vec!["pull", "$REPO:latest"]);
}

#[test]
fn tests_are_commands() {
    let s = parse("[ -f /var/lib/done ] && exit 0\n");
    let t = cmd(&s, "[");
    assert_eq!(t.args(), vec!["-f", "/var/lib/done"]);
    assert_eq!(t.status, Status::Explicit);
}

#[test]
fn template_user_data_parses() {
    let s = parse("#!/bin/bash\nhostnamectl set-hostname \"server.${domain}\"\n%{ if x }\necho a\n%{ endif }\n");
    assert_eq!(cmd(&s, "hostnamectl").args()[1], "server.${domain}");
    assert!(s.commands.iter().any(|c| c.program == "echo"));
}

#[test]
fn large_input_is_bounded() {
    let line = "curl -fsSL https://example.com/x -o /tmp/x && echo ok\n";
    let text = line.repeat(5 * 1024 * 1024 / line.len());
    let start = std::time::Instant::now();
    let s = parse(&text);
    // Either parsed whole, or cut to its beginning when out of time.
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    assert!(!s.commands.is_empty());
    let tight = ParseLimits {
        timeout: std::time::Duration::from_millis(1),
        ..ParseLimits::default()
    };
    let s = parse_script("big.sh", &text, 1, ScriptRole::Plain, &tight);
    assert!(s.truncated);
}

#[test]
fn repository_loads_user_data_and_inline_heredocs() {
    let dir = tempfile::tempdir().unwrap();
    let w = |p: &str, t: &str| {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    };
    w(
        "main.tf",
        "resource \"aws_instance\" \"a\" {\n  ami = \"ami-1\"\n  user_data = templatefile(\"${path.module}/boot.tpl\", { d = \"x\" })\n}\n\
         resource \"aws_launch_template\" \"b\" {\n  user_data = base64encode(<<-EOF\n    #!/bin/bash\n    yum update -y\n  EOF\n  )\n}\n",
    );
    w("boot.tpl", "#!/bin/bash\necho ${d}\n");
    w("scripts/lint.sh", "#!/bin/sh\neslint .\n");
    w("scripts/deploy.sh", "#!/bin/sh\nkubectl apply -f k8s\n");
    let repo = crate::Repository::load(dir.path(), &crate::LoadOptions::default()).unwrap();
    let by_path = |p: &str| repo.scripts.iter().find(|s| s.path == p).unwrap();
    assert_eq!(
        by_path("boot.tpl").user_data_of().unwrap().0,
        "aws_instance.a"
    );
    let inline = by_path("main.tf");
    assert_eq!(inline.user_data_of().unwrap().0, "aws_launch_template.b");
    assert_eq!(cmd(inline, "yum").line, 8);
    assert_eq!(inline.span.start, 7);
    assert_eq!(by_path("scripts/lint.sh").role, ScriptRole::Plain);
    assert_eq!(by_path("scripts/deploy.sh").role, ScriptRole::Provisioning);
}

#[test]
fn hostile_nesting_does_not_overflow() {
    let deep = format!("{}echo x{}\n", "$(".repeat(5000), ")".repeat(5000));
    let s = parse(&deep);
    assert!(s.truncated || !s.commands.is_empty());
    let ifs = format!(
        "{}true{}\n",
        "if true; then ".repeat(3000),
        "; fi".repeat(3000)
    );
    let s = parse(&ifs);
    assert!(s.truncated);
    let quotes = format!("bash -c {}\n", "\"bash -c \\\"".repeat(50));
    let _ = parse(&quotes);
}
