//! The Terraform evaluator on the cases rules depend on: count, for_each,
//! modules (local and downloaded), tfvars precedence, unknowns, templates.

use shipshape_loaders::terraform::{Cardinality, Resource, Value};
use shipshape_loaders::{LoadOptions, Repository};
use std::path::PathBuf;

fn load_with(
    files: &[(&str, &str)],
    var_files: &[(&str, &str)],
) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    for (p, t) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
    let mut opts = LoadOptions::default();
    for (p, t) in var_files {
        let path: PathBuf = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, t).unwrap();
        opts.var_files.push(path);
    }
    let repo = Repository::load(dir.path(), &opts).unwrap();
    (dir, repo)
}

fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, Repository) {
    load_with(files, &[])
}

fn res<'a>(repo: &'a Repository, address: &str) -> &'a Resource {
    repo.terraform
        .resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| {
            panic!(
                "no {address}; have {:?}",
                repo.terraform
                    .resources
                    .iter()
                    .map(|r| &r.address)
                    .collect::<Vec<_>>()
            )
        })
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

#[test]
fn count_gives_instances_with_their_index() {
    let (_d, repo) = load(&[("main.tf", "resource \"aws_subnet\" \"p\" {\n  count      = 3\n  cidr_block = cidrsubnet(\"10.0.0.0/16\", 8, count.index)\n}\n")]);
    let r = res(&repo, "aws_subnet.p");
    assert_eq!(r.cardinality, Cardinality::Known(3));
    let cidrs: Vec<_> = r
        .instances
        .iter()
        .map(|i| i.get("cidr_block").cloned().unwrap())
        .collect();
    assert_eq!(
        cidrs,
        vec![s("10.0.0.0/24"), s("10.0.1.0/24"), s("10.0.2.0/24")]
    );
}

#[test]
fn count_zero_removes_the_resource() {
    let (_d, repo) = load(&[("main.tf", "variable \"on\" {\n  default = false\n}\nresource \"aws_instance\" \"a\" {\n  count = var.on ? 1 : 0\n}\n")]);
    assert!(!res(&repo, "aws_instance.a").exists());
    assert_eq!(repo.terraform.resources_of("aws_instance").count(), 0);
}

#[test]
fn for_each_over_a_map_binds_each() {
    let tf = "locals {\n  envs = { prod = \"m5.large\", dev = \"t3.micro\" }\n}\nresource \"aws_instance\" \"a\" {\n  for_each      = local.envs\n  instance_type = each.value\n  tags          = { Name = each.key }\n}\n";
    let (_d, repo) = load(&[("main.tf", tf)]);
    let r = res(&repo, "aws_instance.a");
    assert_eq!(r.cardinality, Cardinality::Known(2));
    let types: Vec<_> = r
        .instances
        .iter()
        .map(|i| i.get("instance_type").cloned().unwrap())
        .collect();
    assert_eq!(types, vec![s("t3.micro"), s("m5.large")]);
    assert_eq!(r.instances[1].path(&["tags", "Name"]), Some(&s("prod")));
}

#[test]
fn module_inputs_flow_into_the_child_and_outputs_back() {
    let root = "module \"app\" {\n  source = \"./modules/app\"\n  name   = \"shop\"\n  size   = 2\n}\nresource \"aws_route53_record\" \"r\" {\n  name = module.app.cluster_name\n}\n";
    let child = "variable \"name\" {}\nvariable \"size\" {}\nvariable \"insights\" {\n  default = \"enabled\"\n}\nresource \"aws_ecs_cluster\" \"main\" {\n  name = \"${var.name}-cluster\"\n  setting {\n    name  = \"containerInsights\"\n    value = var.insights\n  }\n}\nresource \"aws_instance\" \"w\" {\n  count = var.size\n}\noutput \"cluster_name\" {\n  value = aws_ecs_cluster.main.name\n}\n";
    let (_d, repo) = load(&[("main.tf", root), ("modules/app/main.tf", child)]);
    let c = res(&repo, "module.app.aws_ecs_cluster.main");
    assert_eq!(c.get(&["name"]), Some(&s("shop-cluster")));
    assert_eq!(c.get(&["setting", "value"]), Some(&s("enabled")));
    assert_eq!(c.module_dir, "modules/app");
    assert_eq!(
        res(&repo, "module.app.aws_instance.w").cardinality,
        Cardinality::Known(2)
    );
    assert_eq!(
        res(&repo, "aws_route53_record.r").get(&["name"]),
        Some(&s("shop-cluster"))
    );
    let roots: Vec<_> = repo
        .terraform
        .root_modules()
        .map(|m| m.dir.clone())
        .collect();
    assert_eq!(roots, vec![String::new()]);
}

#[test]
fn module_with_count_multiplies_addresses() {
    let root = "module \"web\" {\n  source = \"./web\"\n  count  = 2\n  idx    = count.index\n}\n";
    let child =
        "variable \"idx\" {}\nresource \"aws_instance\" \"a\" {\n  tags = { Index = var.idx }\n}\n";
    let (_d, repo) = load(&[("main.tf", root), ("web/main.tf", child)]);
    assert_eq!(
        res(&repo, "module.web[1].aws_instance.a").get(&["tags", "Index"]),
        Some(&Value::Number(1.0))
    );
    assert!(repo
        .terraform
        .resources
        .iter()
        .any(|r| r.address == "module.web[0].aws_instance.a"));
}

#[test]
fn tfvars_precedence_default_then_tfvars_then_auto_then_var_file() {
    let files = [
        ("main.tf", "variable \"a\" {\n  default = \"default\"\n}\nvariable \"b\" {\n  default = \"default\"\n}\nvariable \"c\" {\n  default = \"default\"\n}\nvariable \"d\" {\n  default = \"default\"\n}\nresource \"null_resource\" \"x\" {\n  triggers = { a = var.a, b = var.b, c = var.c, d = var.d }\n}\n"),
        ("terraform.tfvars", "b = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\n"),
        ("z.auto.tfvars", "c = \"auto\"\nd = \"auto\"\n"),
    ];
    let (_d, repo) = load_with(&files, &[("envs/prod.tfvars", "d = \"var-file\"\n")]);
    let t = res(&repo, "null_resource.x");
    assert_eq!(t.get(&["triggers", "a"]), Some(&s("default")));
    assert_eq!(t.get(&["triggers", "b"]), Some(&s("tfvars")));
    assert_eq!(t.get(&["triggers", "c"]), Some(&s("auto")));
    assert_eq!(t.get(&["triggers", "d"]), Some(&s("var-file")));
}

#[test]
fn unknowns_carry_what_they_depend_on() {
    let tf = "variable \"env\" {}\nresource \"aws_db_instance\" \"db\" {\n  multi_az = var.env == \"prod\"\n  identifier = \"db-${var.env}\"\n}\nresource \"aws_cloudwatch_metric_alarm\" \"a\" {\n  dimensions = { DBInstanceIdentifier = aws_db_instance.db.id }\n}\n";
    let (_d, repo) = load(&[("main.tf", tf)]);
    let db = res(&repo, "aws_db_instance.db");
    let multi = db.get(&["multi_az"]).unwrap();
    assert!(!multi.is_known());
    assert!(multi.refs().contains("var.env"));
    let alarm = res(&repo, "aws_cloudwatch_metric_alarm.a");
    assert!(alarm.attr_refers_to("dimensions", db));
    assert_eq!(
        repo.terraform
            .referrers(db)
            .map(|r| r.address.clone())
            .collect::<Vec<_>>(),
        vec!["aws_cloudwatch_metric_alarm.a"]
    );
}

#[test]
fn references_through_locals_and_known_config_values_stay_in_the_graph() {
    let tf = "resource \"aws_db_instance\" \"db\" {\n  identifier = \"prod-db\"\n}\nlocals {\n  db_id = aws_db_instance.db.identifier\n}\nresource \"aws_cloudwatch_metric_alarm\" \"a\" {\n  dimensions = { DBInstanceIdentifier = local.db_id }\n}\nresource \"aws_cloudwatch_metric_alarm\" \"b\" {\n  dimensions = { DBInstanceIdentifier = local.db_id }\n}\n";
    let (_d, repo) = load(&[("main.tf", tf)]);
    let db = res(&repo, "aws_db_instance.db");
    for a in [
        "aws_cloudwatch_metric_alarm.a",
        "aws_cloudwatch_metric_alarm.b",
    ] {
        let alarm = res(&repo, a);
        assert_eq!(
            alarm.get(&["dimensions", "DBInstanceIdentifier"]),
            Some(&s("prod-db"))
        );
        assert!(
            alarm.attr_refers_to("dimensions", db),
            "{a}: memoised local must still record its dependency"
        );
    }
}

#[test]
fn templates_directives_and_functions() {
    let tf = "locals {\n  names = [\"a\", \"b\"]\n  text  = \"%{ for n in local.names }${upper(n)};%{ endfor }%{ if length(local.names) > 1 }many%{ else }one%{ endif }\"\n  m     = merge({ x = 1 }, { y = 2 })\n  j     = jsonencode({ k = [1, 2] })\n  f     = [for n in local.names : \"${n}-x\" if n != \"b\"]\n  c     = try(local.m.z, \"fallback\")\n}\nresource \"null_resource\" \"x\" {\n  triggers = { text = local.text, keys = join(\",\", keys(local.m)), j = local.j, f = local.f[0], c = local.c, fmt = format(\"%s-%03d\", \"n\", 7) }\n}\n";
    let (_d, repo) = load(&[("main.tf", tf)]);
    let t = res(&repo, "null_resource.x");
    assert_eq!(t.get(&["triggers", "text"]), Some(&s("A;B;many")));
    assert_eq!(t.get(&["triggers", "keys"]), Some(&s("x,y")));
    assert_eq!(t.get(&["triggers", "j"]), Some(&s("{\"k\":[1,2]}")));
    assert_eq!(t.get(&["triggers", "f"]), Some(&s("a-x")));
    assert_eq!(t.get(&["triggers", "c"]), Some(&s("fallback")));
    assert_eq!(t.get(&["triggers", "fmt"]), Some(&s("n-7")));
}

#[test]
fn templatefile_reads_inside_the_root_and_is_recorded() {
    let tf = "resource \"aws_instance\" \"a\" {\n  user_data = templatefile(\"${path.module}/init.sh.tpl\", { domain = \"example.com\" })\n}\n";
    let (_d, repo) = load(&[
        ("infra/main.tf", tf),
        ("infra/init.sh.tpl", "#!/bin/bash\necho ${domain}\n"),
    ]);
    let a = res(&repo, "aws_instance.a");
    assert_eq!(
        a.get(&["user_data"]),
        Some(&s("#!/bin/bash\necho example.com\n"))
    );
    let read = &repo.terraform.file_reads[0];
    assert_eq!(
        (
            read.path.as_str(),
            read.resource.as_str(),
            read.attribute.as_str()
        ),
        ("infra/init.sh.tpl", "aws_instance.a", "user_data")
    );
}

#[test]
fn file_outside_the_root_is_never_read() {
    let tf = "resource \"aws_instance\" \"a\" {\n  user_data = file(\"../../etc/passwd\")\n}\n";
    let (_d, repo) = load(&[("main.tf", tf)]);
    assert!(!res(&repo, "aws_instance.a")
        .get(&["user_data"])
        .unwrap()
        .is_known());
    assert!(repo.terraform.file_reads.is_empty());
}

#[test]
fn dynamic_blocks_expand() {
    let tf = "variable \"ports\" {\n  default = [22, 443]\n}\nresource \"aws_security_group\" \"s\" {\n  dynamic \"ingress\" {\n    for_each = var.ports\n    content {\n      from_port = ingress.value\n      to_port   = ingress.value\n    }\n  }\n}\n";
    let (_d, repo) = load(&[("main.tf", tf)]);
    let ingress = res(&repo, "aws_security_group.s")
        .get(&["ingress"])
        .and_then(Value::as_list)
        .unwrap()
        .to_vec();
    assert_eq!(ingress.len(), 2);
    assert_eq!(ingress[1].get("from_port"), Some(&Value::Number(443.0)));
}

#[test]
fn remote_module_without_init_is_unevaluated_and_with_init_is_followed() {
    let root = "module \"vpc\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.0.0\"\n}\n";
    let (_d, repo) = load(&[("main.tf", root)]);
    assert!(repo
        .diagnostics
        .iter()
        .any(|d| d.kind == shipshape_loaders::DiagnosticKind::Unevaluated
            && d.message.contains("module `vpc`")));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), root).unwrap();
    let m = dir.path().join(".terraform/modules/vpc");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("main.tf"),
        "resource \"aws_nat_gateway\" \"this\" {\n  count = 1\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".terraform/modules/modules.json"),
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Dir":".terraform/modules/vpc"}]}"#,
    )
    .unwrap();
    let repo = Repository::load(dir.path(), &LoadOptions::default()).unwrap();
    let nat = res(&repo, "module.vpc.aws_nat_gateway.this");
    assert_eq!(nat.file(), ".terraform/modules/vpc/main.tf");
    assert_eq!(nat.cardinality, Cardinality::Known(1));
}

#[test]
fn a_malformed_file_is_a_parse_error_and_the_rest_loads() {
    let (_d, repo) = load(&[
        ("bad.tf", "resource \"aws_instance\" \"x\" {\n  ami = \n"),
        ("good.tf", "resource \"aws_instance\" \"y\" {}\n"),
    ]);
    assert!(repo
        .diagnostics
        .iter()
        .any(|d| d.kind == shipshape_loaders::DiagnosticKind::ParseError
            && d.file.as_deref() == Some("bad.tf")));
    assert!(repo
        .terraform
        .resources
        .iter()
        .any(|r| r.address == "aws_instance.y"));
}

#[test]
fn reference_cycles_end_as_unknowns() {
    let tf = "locals {\n  a = local.b\n  b = local.a\n}\nresource \"null_resource\" \"x\" {\n  triggers = { v = local.a }\n}\n";
    let (_d, repo) = load(&[("main.tf", tf)]);
    assert!(!res(&repo, "null_resource.x")
        .get(&["triggers", "v"])
        .unwrap()
        .is_known());
}

#[test]
fn deep_expressions_are_bounded() {
    let deep = format!(
        "locals {{\n  x = {}1{}\n}}\n",
        "(".repeat(2000),
        ")".repeat(2000)
    );
    let (_d, repo) = load(&[("main.tf", deep.as_str())]);
    assert!(repo
        .diagnostics
        .iter()
        .any(|d| d.kind == shipshape_loaders::DiagnosticKind::ParseError));
}

#[test]
fn the_reference_graph_is_per_root_and_lists_each_referrer_once() {
    // Two roots declare the same addresses; each alarm names its instance
    // twice (by index and whole). Referrers and lookups stay in their root.
    let tf = "resource \"aws_instance\" \"api\" {\n  count = 2\n}\nresource \"aws_cloudwatch_metric_alarm\" \"cpu\" {\n  dimensions = { a = aws_instance.api[0].id, b = aws_instance.api[1].id }\n  alarm_actions = [aws_instance.api]\n}\nresource \"aws_cloudwatch_metric_alarm\" \"disk\" {\n  dimensions = { a = aws_instance.api[0].id }\n}\n";
    let other = "resource \"aws_instance\" \"api\" {}\n";
    let (_d, repo) = load(&[("prod/main.tf", tf), ("dev/main.tf", other)]);
    let tf = &repo.terraform;
    let prod = tf
        .resource("prod", "aws_instance.api")
        .expect("prod instance");
    let dev = tf
        .resource("dev", "aws_instance.api")
        .expect("dev instance");
    assert_eq!(
        (prod.root_dir.as_str(), dev.root_dir.as_str()),
        ("prod", "dev")
    );
    assert!(tf.resource("prod", "aws_instance.none").is_none());
    assert!(tf.resource("staging", "aws_instance.api").is_none());
    let referrers = |r| {
        tf.referrers(r)
            .map(|r| r.address.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        referrers(prod),
        vec![
            "aws_cloudwatch_metric_alarm.cpu",
            "aws_cloudwatch_metric_alarm.disk"
        ]
    );
    assert!(referrers(dev).is_empty());
    let cpu = tf
        .resource("prod", "aws_cloudwatch_metric_alarm.cpu")
        .unwrap();
    let referenced: Vec<_> = tf.referenced_by(cpu).map(|r| r.root_dir.clone()).collect();
    assert!(!referenced.is_empty() && referenced.iter().all(|d| d == "prod"));
}
